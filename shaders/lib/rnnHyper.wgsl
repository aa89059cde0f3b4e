// Columns of the per-run hyper table [R][16] the recurrent kernels read (rnn*.wgsl): nonlinearity, gain, clip.
const H_NONLIN = 0u;
const H_GAIN = 1u;
const H_CLIP = 2u;

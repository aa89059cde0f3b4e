// The recurrent nonlinearities for 4 units (rnnForward, rnnForwardVec4): kind = hyper NONLIN (0 linear 1 tanh
// 2 relu 3 leaky 4 prelu 5 oplu), alpha = the leaky / prelu slope.

fn activate(z: vec4f, kind: u32, alpha: f32) -> vec4f {
  switch kind {
    case 1u: { return tanh(clamp(z, vec4f(-20.0), vec4f(20.0))); }
    case 2u: { return max(z, vec4f(0.0)); }
    case 3u, 4u: { return select(alpha * z, z, z >= vec4f(0.0)); }
    case 5u: { return vec4f(max(z.x, z.y), min(z.x, z.y), max(z.z, z.w), min(z.z, z.w)); }
    default: { return z; }
  }
}

// The backward of the recurrent nonlinearities for 4 units (rnnBackward, rnnBackwardVec4): kind = hyper NONLIN.

// (df/dz)^T dh for 4 units (oplu: pairs (x, y) and (z, w); the max unit's gradient goes to the larger input).
fn backActivate(z: vec4f, d: vec4f, kind: u32, alpha: f32) -> vec4f {
  switch kind {
    case 1u: {
      let y = tanh(clamp(z, vec4f(-20.0), vec4f(20.0)));
      return d * (1.0 - y * y);
    }
    case 2u: { return select(vec4f(0.0), d, z > vec4f(0.0)); }
    case 3u, 4u: { return select(alpha * d, d, z >= vec4f(0.0)); }
    case 5u: {
      let s0 = z.x >= z.y;
      let s1 = z.z >= z.w;
      return vec4f(select(d.y, d.x, s0), select(d.x, d.y, s0), select(d.w, d.z, s1), select(d.z, d.w, s1));
    }
    default: { return d; }
  }
}

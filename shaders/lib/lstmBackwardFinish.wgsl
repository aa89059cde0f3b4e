// The fused LSTM backward's step epilogue, shared by lstmBackward.wgsl (scalar) and lstmBackwardVec4.wgsl:
// each kernel defines storeStep, which writes the step's clipped gate gradients dz (its own layout) and the
// cell-state carry dc_{t-1} (aux at dcBase + j0 ..).

// Completes step t for units j0 .. j0+cnt-1 of row b from acc = W^T dz_{t+1} (or the carry in dh0 when
// fromCarry), stores what this channel stores and adds this row's contributions to `sums` (rows outside the
// slice are skipped).
fn finishRow(r: u32, t: u32, b: u32, rowEnd: u32, j0: u32, cnt: u32, u: vec4u, acc: vec4f, fromCarry: bool, clip: f32,
             pi: vec4f, pf: vec4f, po: vec4f, sums: ptr<function, Sums>) {
  if (b >= rowEnd) { return; }
  let n = params.n;
  let B = params.B;
  let L = params.L;
  let S = params.slots;
  let ch = params.channel;
  let dcBase = params.dcOff + (r * B + b) * n;
  var d = acc;
  if (fromCarry) {
    for (var e = 0u; e < cnt; e++) { d[e] = dh0[(r * B + b) * n + j0 + e]; }
  }
  for (var e = cnt; e < 4u; e++) { d[e] = 0.0; }
  if (t == params.T0) {
    flowAdd(sums, t, b, dot(d, d));
    if (ch == 0u) {
      let o = (r * B + b) * n + j0;
      for (var e = 0u; e < cnt; e++) {
        dh0[o + e] = d[e];
        if (t == 0u) { dc0[o + e] = aux[dcBase + j0 + e]; }
      }
    }
    return;
  }
  let kk = t - 1u - params.T0;
  let off = ((r * S + kk) * B + b) * n + j0;
  if (ch == 0u) {
    if (t > params.unscored) {
      for (var e = 0u; e < cnt; e++) { d[e] += dhOut[off + e]; }
    }
  } else if (t == rowLast(b)) {
    let scale = aux[rowTable() + 2u * b + 1u];
    for (var e = 0u; e < cnt; e++) { d[e] += scale * dhOut[off + e]; }
  }
  flowAdd(sums, t, b, dot(d, d));
  let gOff = ((r * S + kk) * B + b) * 4u * n;
  let gi = gatesAt(gOff, u);
  let gf = gatesAt(gOff + n, u);
  let gg = gatesAt(gOff + 2u * n, u);
  let go = gatesAt(gOff + 3u * n, u);
  let ct = cAt(((r * (S + 1u) + kk + 1u) * B + b) * n, u);
  let cp = cAt(((r * (S + 1u) + kk) * B + b) * n, u);
  var dcn = vec4f(0.0);
  if (t < params.top) { dcn = auxAt(dcBase, u); }
  let tc = tanh(clamp(ct, vec4f(-20.0), vec4f(20.0)));
  let dao = d * tc * go * (1.0 - go);
  let dc = dcn + d * go * (1.0 - tc * tc) + dao * po;
  let dai = dc * gg * gi * (1.0 - gi);
  let dag = dc * gi * (1.0 - gg * gg);
  let daf = dc * cp * gf * (1.0 - gf);
  let dcp = dc * gf + dai * pi + daf * pf;
  (*sums).dpi += dai * cp;
  (*sums).dpf += daf * cp;
  (*sums).dpo += dao * ct;
  var zi = dai;
  var zf = daf;
  var zg = dag;
  var zo = dao;
  if (clip > 0.0) {
    zi = clamp(zi, vec4f(-clip), vec4f(clip));
    zf = clamp(zf, vec4f(-clip), vec4f(clip));
    zg = clamp(zg, vec4f(-clip), vec4f(clip));
    zo = clamp(zo, vec4f(-clip), vec4f(clip));
  }
  storeStep(r, t, b, j0, cnt, dcBase, zi, zf, zg, zo, dcp);
}

// Readability of the graph page at its first sight, measured from what is on the screen:
// the boxes of the nodes vis-network drew (node.shape.boundingBox) and of the labels the page
// drew (window.kgLabels). A labelled node overlaps when its node+label box meets the box of
// another node in view (its node, and its label when it has one).
(() => {
  const net = window.kgNetwork, view = net.body.view, g = document.getElementById("graph");
  const W = g.clientWidth, H = g.clientHeight;
  const labels = new Map((window.kgLabels || []).map(l => [l.id, l]));
  const boxes = [];
  for (const id of net.body.nodeIndices) {
    const n = net.body.nodes[id];
    if (!n.options || n.options.hidden || !n.shape.boundingBox) continue;
    const bb = n.shape.boundingBox, s = view.scale, t = view.translation;
    let b = {id, l: bb.left * s + t.x, r: bb.right * s + t.x, t: bb.top * s + t.y,
             b: bb.bottom * s + t.y};
    if (b.r < 0 || b.l > W || b.b < 0 || b.t > H) continue;
    const lab = labels.get(id);
    if (lab) b = {id, labelled: true, px: lab.px, l: Math.min(b.l, lab.x),
                  r: Math.max(b.r, lab.x + lab.w), t: Math.min(b.t, lab.y),
                  b: Math.max(b.b, lab.y + lab.h)};
    boxes.push(b);
  }
  const hit = (a, b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
  const labelled = boxes.filter(b => b.labelled);
  const overlapping = labelled.filter(a => boxes.some(b => b !== a && hit(a, b)));
  const px = labelled.map(b => b.px).sort((a, b) => a - b);
  const median = px.length ? (px.length % 2 ? px[(px.length - 1) / 2]
                                            : (px[px.length / 2 - 1] + px[px.length / 2]) / 2) : 0;
  return {inView: boxes.length, labelled: labelled.length, overlapping: overlapping.length,
          overlapPct: labelled.length ? 100 * overlapping.length / labelled.length : 0,
          medianLabelPx: median};
})()

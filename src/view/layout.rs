//! A layered (Sugiyama) layout, left to right: cycles broken by a depth-first
//! walk, longest-path ranks, dummy nodes on long edges, barycenter crossing
//! reduction with a fixed number of sweeps, and a simple balanced placement.
//! Pure and deterministic: the same nodes and edges give the same numbers.

/// The width of a node's box.
pub const NODE_WIDTH: f64 = 220.0;
/// The height of a node's box.
pub const NODE_HEIGHT: f64 = 40.0;
/// The horizontal gap between two layers.
const LAYER_GAP: f64 = 90.0;
/// The vertical gap between two boxes of one layer.
const ROW_GAP: f64 = 14.0;
/// The vertical room a dummy node (a long edge passing a layer) takes.
const DUMMY_HEIGHT: f64 = 8.0;
/// The margin around the drawing.
const MARGIN: f64 = 20.0;
/// Crossing-reduction sweeps (alternately down and up).
const SWEEPS: usize = 12;
/// Coordinate-placement passes (alternately down and up).
const PLACEMENT_PASSES: usize = 8;

/// A point of the drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Left to right.
    pub x: f64,
    /// Top to bottom.
    pub y: f64,
}

/// Where every node and edge goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Each node's top-left corner, by node index.
    pub nodes: Vec<Point>,
    /// Each edge's polyline, by edge index: from the upstream box's right
    /// side, through the layers it crosses, to the downstream box's left side.
    pub edges: Vec<Vec<Point>>,
    /// The drawing's width.
    pub width: f64,
    /// The drawing's height.
    pub height: f64,
    /// Each node's layer (0 is leftmost).
    pub layers: Vec<usize>,
}

/// Lay out `count` nodes and `edges` (upstream, downstream) left to right.
/// Edges naming a node outside `0..count` are drawn as empty polylines.
pub fn layout(count: usize, edges: &[(usize, usize)]) -> Layout {
    let valid = |&(a, b): &(usize, usize)| a < count && b < count && a != b;
    // 1. Break cycles: an edge back to a node on the walk's stack is reversed.
    let reversed = back_edges(count, edges);
    let dag: Vec<(usize, usize)> = edges
        .iter()
        .zip(&reversed)
        .map(|(&(a, b), &rev)| if rev { (b, a) } else { (a, b) })
        .collect();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); count];
    for edge in dag.iter().filter(|e| valid(e)) {
        if !succ[edge.0].contains(&edge.1) {
            succ[edge.0].push(edge.1);
            pred[edge.1].push(edge.0);
        }
    }
    // 2. Ranks.
    let rank = ranks(&succ, &pred);

    // 3. Dummy nodes: vertex ids count.. are dummies; each edge's chain.
    let mut vertex_rank = rank.clone();
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(dag.len());
    let mut links: Vec<(usize, usize)> = Vec::new();
    let mut linked = std::collections::HashMap::new();
    for edge in &dag {
        if !valid(edge) {
            chains.push(Vec::new());
            continue;
        }
        let (a, b) = *edge;
        // Parallel edges (another kind between the same nodes) share a chain.
        if let Some(chain) = linked.get(&(a, b)) {
            chains.push(Clone::clone(chain));
            continue;
        }
        let mut chain = vec![a];
        for r in rank[a] + 1..rank[b] {
            let dummy = vertex_rank.len();
            vertex_rank.push(r);
            chain.push(dummy);
        }
        chain.push(b);
        for pair in chain.windows(2) {
            links.push((pair[0], pair[1]));
        }
        linked.insert((a, b), chain.clone());
        chains.push(chain);
    }
    let vertices = vertex_rank.len();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    for &(a, b) in &links {
        down[a].push(b);
        up[b].push(a);
    }
    let layer_count = vertex_rank.iter().max().map_or(0, |m| m + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    for (v, &r) in vertex_rank.iter().enumerate() {
        layers[r].push(v);
    }

    // 4. Crossing reduction.
    let order = reduce_crossings(layers, &up, &down, vertices);

    // 5. Coordinates.
    let height_of = |v: usize| {
        if v < count { NODE_HEIGHT } else { DUMMY_HEIGHT }
    };
    let y = place(&order, &up, &down, vertices, &height_of);
    let x_of = |r: usize| MARGIN + r as f64 * (NODE_WIDTH + LAYER_GAP);
    let height = y
        .iter()
        .enumerate()
        .map(|(v, top)| top + height_of(v))
        .fold(0.0f64, f64::max);
    let nodes: Vec<Point> = (0..count)
        .map(|v| Point {
            x: x_of(rank[v]),
            y: y[v],
        })
        .collect();
    let center = |v: usize| y[v] + height_of(v) / 2.0;
    let edges_out = chains
        .iter()
        .zip(&reversed)
        .map(|(chain, &rev)| {
            if chain.len() < 2 {
                return Vec::new();
            }
            let last = chain.len() - 1;
            let mut points: Vec<Point> = chain
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let left = x_of(vertex_rank[v]);
                    let x = match i {
                        0 => left + NODE_WIDTH,
                        i if i == last => left,
                        _ => left + NODE_WIDTH / 2.0,
                    };
                    Point { x, y: center(v) }
                })
                .collect();
            if rev {
                points.reverse();
            }
            points
        })
        .collect();
    Layout {
        nodes,
        edges: edges_out,
        width: x_of(layer_count.max(1)) - LAYER_GAP + MARGIN,
        height: height + MARGIN,
        layers: rank,
    }
}

/// Which edges close a cycle: those a depth-first walk (from nodes in index
/// order, edges in the order given) finds pointing back into its stack.
fn back_edges(count: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); count];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if a < count && b < count {
            out[a].push((b, i));
        }
    }
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; count];
    let mut reversed = vec![false; edges.len()];
    for root in 0..count {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if let Some(&(to, edge)) = out[node].get(next) {
                top.1 += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => reversed[edge] = true,
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Longest-path ranks from the sources; then each source moves right to
/// just before its nearest successor (a code commit sits beside its record,
/// not in the first column).
fn ranks(succ: &[Vec<usize>], pred: &[Vec<usize>]) -> Vec<usize> {
    let count = succ.len();
    let mut indegree: Vec<usize> = pred.iter().map(Vec::len).collect();
    let mut queue: std::collections::VecDeque<usize> =
        (0..count).filter(|&v| indegree[v] == 0).collect();
    let mut topo = Vec::with_capacity(count);
    let mut rank = vec![0usize; count];
    while let Some(v) = queue.pop_front() {
        topo.push(v);
        for &w in &succ[v] {
            rank[w] = rank[w].max(rank[v] + 1);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    for &v in topo.iter().rev() {
        if pred[v].is_empty()
            && let Some(nearest) = succ[v].iter().map(|&w| rank[w]).min()
        {
            rank[v] = nearest.saturating_sub(1);
        }
    }
    rank
}

/// Order each layer: barycenter sweeps down and up, keeping the order with
/// the fewest crossings seen.
fn reduce_crossings(
    mut layers: Vec<Vec<usize>>,
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    vertices: usize,
) -> Vec<Vec<usize>> {
    let mut position = vec![0usize; vertices];
    let index = |layers: &[Vec<usize>], position: &mut [usize]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                position[v] = i;
            }
        }
    };
    index(&layers, &mut position);
    let mut best = layers.clone();
    let mut best_crossings = crossings(&layers, down, &position);
    for sweep in 0..SWEEPS {
        if best_crossings == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let neighbours = if downward { up } else { down };
            let mut keyed: Vec<(f64, usize, usize)> = layers[r]
                .iter()
                .map(|&v| {
                    let near = &neighbours[v];
                    let key = if near.is_empty() {
                        position[v] as f64
                    } else {
                        near.iter().map(|&w| position[w] as f64).sum::<f64>() / near.len() as f64
                    };
                    (key, position[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[r] = keyed.into_iter().map(|(_, _, v)| v).collect();
            for (i, &v) in layers[r].iter().enumerate() {
                position[v] = i;
            }
        }
        let now = crossings(&layers, down, &position);
        if now < best_crossings {
            best_crossings = now;
            best = layers.clone();
        }
    }
    best
}

/// The number of edge crossings between adjacent layers (inversions counted
/// with a Fenwick tree).
fn crossings(layers: &[Vec<usize>], down: &[Vec<usize>], position: &[usize]) -> usize {
    let mut total = 0;
    for pair in layers.windows(2) {
        let mut ends: Vec<(usize, usize)> = pair[0]
            .iter()
            .flat_map(|&v| down[v].iter().map(move |&w| (position[v], position[w])))
            .collect();
        ends.sort_unstable();
        let mut tree = vec![0usize; pair[1].len() + 1];
        for (seen, &(_, to)) in ends.iter().enumerate() {
            // How many earlier ends lie at or before `to`.
            let mut at_or_before = 0;
            let mut i = to + 1;
            while i > 0 {
                at_or_before += tree[i];
                i -= i & i.wrapping_neg();
            }
            total += seen - at_or_before;
            let mut i = to + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Vertical positions: each vertex pulled towards the mean of its
/// neighbours in the layer just placed, layers kept in order and apart.
fn place(
    layers: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    vertices: usize,
    height_of: &dyn Fn(usize) -> f64,
) -> Vec<f64> {
    let mut y = vec![0.0f64; vertices];
    for layer in layers {
        let mut at = MARGIN;
        for &v in layer {
            y[v] = at;
            at += height_of(v) + ROW_GAP;
        }
    }
    let center = |y: &[f64], v: usize| y[v] + height_of(v) / 2.0;
    for pass in 0..PLACEMENT_PASSES {
        let downward = pass % 2 == 0;
        let neighbours = if downward { up } else { down };
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let layer = &layers[r];
            let wanted: Vec<f64> = layer
                .iter()
                .map(|&v| {
                    let near = &neighbours[v];
                    if near.is_empty() {
                        y[v]
                    } else {
                        near.iter().map(|&w| center(&y, w)).sum::<f64>() / near.len() as f64
                            - height_of(v) / 2.0
                    }
                })
                .collect();
            // Pushed down from the top, pushed up from the bottom; the mean
            // of two placements that keep the order and gaps keeps them too.
            let mut forward = wanted.clone();
            for i in 1..layer.len() {
                let least = forward[i - 1] + height_of(layer[i - 1]) + ROW_GAP;
                forward[i] = forward[i].max(least);
            }
            let mut backward = wanted;
            for i in (0..layer.len().saturating_sub(1)).rev() {
                let most = backward[i + 1] - height_of(layer[i]) - ROW_GAP;
                backward[i] = backward[i].min(most);
            }
            for (i, &v) in layer.iter().enumerate() {
                y[v] = ((forward[i] + backward[i]) / 2.0).round();
            }
        }
    }
    let top = y.iter().copied().fold(f64::INFINITY, f64::min);
    if top.is_finite() {
        for value in &mut y {
            *value += MARGIN - top;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(layout: &Layout) -> bool {
        let n = layout.nodes.len();
        (0..n).any(|a| {
            (a + 1..n).any(|b| {
                let (p, q) = (layout.nodes[a], layout.nodes[b]);
                p.x == q.x && (p.y - q.y).abs() < NODE_HEIGHT + ROW_GAP - 0.5
            })
        })
    }

    /// A chain, a fan-out and a fan-in: every edge points right, no box
    /// overlaps another, every edge starts at its upstream box and ends at
    /// its downstream one.
    #[test]
    fn edges_point_right_and_boxes_do_not_overlap() {
        let edges = [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (5, 4), (0, 4)];
        let layout = layout(6, &edges);
        for (i, &(a, b)) in edges.iter().enumerate() {
            assert!(layout.nodes[b].x > layout.nodes[a].x, "edge {a}->{b}");
            let line = &layout.edges[i];
            assert_eq!(
                line.first().map(|p| p.x),
                Some(layout.nodes[a].x + NODE_WIDTH)
            );
            assert_eq!(line.last().map(|p| p.x), Some(layout.nodes[b].x));
        }
        assert!(!overlaps(&layout), "{layout:?}");
        // The long edge 0 -> 4 passes layers 1 and 2 through two bends.
        assert_eq!(layout.edges[6].len(), 4);
        // Source 5 sits just before the node it feeds.
        assert_eq!(layout.layers[5], layout.layers[4] - 1);
    }

    /// Two crossed pairs are uncrossed by the sweeps.
    #[test]
    fn crossings_are_removed_where_possible() {
        // 0 -> 3, 1 -> 2: in index order these cross.
        let edges = [(0, 3), (1, 2), (3, 4), (2, 5)];
        let layout = layout(6, &edges);
        let (a, b) = (
            layout.nodes[0].y < layout.nodes[1].y,
            layout.nodes[3].y < layout.nodes[2].y,
        );
        assert_eq!(a, b, "{layout:?}");
    }

    /// A cycle is drawn (one edge reversed), not looped forever.
    #[test]
    fn cycles_are_broken() {
        let layout = layout(3, &[(0, 1), (1, 2), (2, 0)]);
        assert_eq!(layout.edges.iter().filter(|e| e.len() >= 2).count(), 3);
        assert!(!overlaps(&layout));
    }

    /// The same input gives the same numbers, and 2,000 nodes are laid out
    /// with no overlap.
    #[test]
    fn deterministic_at_two_thousand_nodes() {
        let mut edges = Vec::new();
        // Pipelines of 5 sharing 20 sources, like the benchmark's history.
        for i in 20..2000 {
            let step = (i - 20) % 5;
            let from = if step == 0 { (i * 7) % 20 } else { i - 1 };
            edges.push((from, i));
            if step == 3 {
                edges.push((i - 3, i));
            }
        }
        let first = layout(2000, &edges);
        let second = layout(2000, &edges);
        assert_eq!(first, second);
        assert!(!overlaps(&first));
        for &(a, b) in &edges {
            assert!(first.nodes[b].x > first.nodes[a].x);
        }
    }

    /// Edges naming missing nodes and self-loops are drawn as nothing.
    #[test]
    fn invalid_edges_are_empty() {
        let layout = layout(2, &[(0, 5), (1, 1), (0, 1)]);
        assert!(layout.edges[0].is_empty() && layout.edges[1].is_empty());
        assert_eq!(layout.edges[2].len(), 2);
    }
}

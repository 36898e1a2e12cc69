//! The demo's model: a logistic regression fitted by mini-batch gradient descent, its
//! metrics (ROC AUC, log loss, confusion matrix), and the training and evaluation
//! computations that the `train` and `evaluate` steps run.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::data::{Dataset, SplitMix64, mean_std};
use super::{MODEL, PARAMS_FILE, REPORT, TEST_SET, TRAIN_SET, bad_data, write_file};
use git_lineage::{Error, Result};

/// The hyperparameters in `params.yaml`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hyper {
    learning_rate: f64,
    epochs: usize,
    batch_size: usize,
    l2: f64,
    threshold: f64,
}

fn read_hyper(root: &Path) -> Result<Hyper> {
    let path = root.join(PARAMS_FILE);
    let map = git_lineage::params::load_file(&path)?;
    let number = |key: &str| {
        map.get(key)
            .and_then(git_lineage::params::Value::as_f64)
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad_data(&path, format!("'{key}' must be a number")))
    };
    let count = |key: &str| {
        let x = number(key)?;
        if x >= 1.0 && x.fract() == 0.0 {
            Ok(x as usize)
        } else {
            Err(bad_data(
                &path,
                format!("'{key}' must be a positive integer"),
            ))
        }
    };
    Ok(Hyper {
        learning_rate: number("learning_rate")?,
        epochs: count("epochs")?,
        batch_size: count("batch_size")?,
        l2: number("l2")?,
        threshold: number("threshold")?,
    })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// `model/model.json`: a standardised logistic regression.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Model {
    model_type: String,
    features: Vec<String>,
    means: Vec<f64>,
    stds: Vec<f64>,
    weights: Vec<f64>,
    bias: f64,
    threshold: f64,
    training: TrainingInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainingInfo {
    rows: usize,
    positives: usize,
    learning_rate: f64,
    epochs: usize,
    batch_size: usize,
    l2: f64,
    seed: u64,
}

impl Model {
    fn score(&self, row: &[f64]) -> f64 {
        let z = row
            .iter()
            .zip(&self.means)
            .zip(&self.stds)
            .zip(&self.weights)
            .map(|(((x, m), s), w)| w * (x - m) / s)
            .sum::<f64>()
            + self.bias;
        sigmoid(z)
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Fit a logistic regression by mini-batch gradient descent on standardised
/// features, with L2 on the weights and a seeded shuffle per epoch.
fn fit_logistic(
    x: &[Vec<f64>],
    y: &[f64],
    hyper: &Hyper,
    seed: u64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
    let d = x.first().map_or(0, Vec::len);
    let (means, stds): (Vec<f64>, Vec<f64>) = (0..d)
        .map(|j| mean_std(&x.iter().map(|row| row[j]).collect::<Vec<_>>()))
        .unzip();
    let z: Vec<Vec<f64>> = x
        .iter()
        .map(|row| (0..d).map(|j| (row[j] - means[j]) / stds[j]).collect())
        .collect();
    let mut weights = vec![0.0; d];
    let mut bias = 0.0;
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..x.len()).collect();
    let batch_size = hyper.batch_size.max(1);
    for _ in 0..hyper.epochs {
        rng.shuffle(&mut order);
        for batch in order.chunks(batch_size) {
            let mut grad = vec![0.0; d];
            let mut grad_bias = 0.0;
            for &i in batch {
                let p = sigmoid(dot(&weights, &z[i]) + bias);
                let error = p - y[i];
                for (g, v) in grad.iter_mut().zip(&z[i]) {
                    *g += error * v;
                }
                grad_bias += error;
            }
            let m = batch.len() as f64;
            for (w, g) in weights.iter_mut().zip(&grad) {
                *w -= hyper.learning_rate * (g / m + hyper.l2 * *w);
            }
            bias -= hyper.learning_rate * grad_bias / m;
        }
    }
    (means, stds, weights, bias)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// ROC AUC by the Mann–Whitney rank statistic, ties counted half; `None`
/// unless both classes are present.
fn roc_auc(scores: &[f64], labels: &[f64]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = order.iter().filter(|&&i| labels[i] > 0.5).count() as f64;
    let negatives = order.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start..end (1-based start+1..=end) share their average.
        let average = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end]
            .iter()
            .filter(|&&i| labels[i] > 0.5)
            .count();
        rank_sum += average * tied_positives as f64;
        start = end;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Mean binary cross-entropy, probabilities clipped to [1e-12, 1 - 1e-12].
fn log_loss(scores: &[f64], labels: &[f64]) -> f64 {
    let n = scores.len().min(labels.len()).max(1) as f64;
    scores
        .iter()
        .zip(labels)
        .map(|(p, y)| {
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / n
}

#[derive(Debug, Clone, Copy)]
pub(super) struct TrainMetrics {
    pub(super) auc: f64,
    pub(super) logloss: f64,
}

/// `pipelines/train.py --seed SEED --out OUT`: fit the model on data/train.csv
/// with the shuffle seeded by `seed`, write it to `out`.
pub(super) fn train(root: &Path, seed: u64, out: &str) -> Result<TrainMetrics> {
    let hyper = read_hyper(root)?;
    let data = Dataset::read(root, TRAIN_SET)?;
    let (means, stds, weights, bias) = fit_logistic(&data.x, &data.y, &hyper, seed);
    let model = Model {
        model_type: "logistic_regression".into(),
        features: data.features.clone(),
        means,
        stds,
        weights,
        bias,
        threshold: hyper.threshold,
        training: TrainingInfo {
            rows: data.y.len(),
            positives: data.y.iter().filter(|&&y| y > 0.5).count(),
            learning_rate: hyper.learning_rate,
            epochs: hyper.epochs,
            batch_size: hyper.batch_size,
            l2: hyper.l2,
            seed,
        },
    };
    let scores: Vec<f64> = data.x.iter().map(|row| model.score(row)).collect();
    let path = root.join(TRAIN_SET);
    let auc = roc_auc(&scores, &data.y)
        .ok_or_else(|| bad_data(&path, "the training set needs both classes".into()))?;
    write_json(root, out, &model)?;
    Ok(TrainMetrics {
        auc: round4(auc),
        logloss: round4(log_loss(&scores, &data.y)),
    })
}

fn write_json<T: Serialize>(root: &Path, rel: &str, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Io {
        action: "serialise",
        path: root.join(rel),
        source: e.into(),
    })?;
    bytes.push(b'\n');
    write_file(root, rel, &bytes)
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct TestMetrics {
    pub(super) auc: f64,
    pub(super) accuracy: f64,
    pub(super) precision: f64,
    pub(super) recall: f64,
    #[serde(skip)]
    pub(super) threshold: f64,
}

/// `reports/evaluation.json`.
#[derive(Debug, Clone, Serialize)]
struct Evaluation<'a> {
    model: &'a str,
    dataset: &'a str,
    rows: usize,
    positives: usize,
    threshold: f64,
    metrics: TestMetrics,
    confusion_matrix: Confusion,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Confusion {
    true_positives: usize,
    false_positives: usize,
    true_negatives: usize,
    false_negatives: usize,
}

impl Confusion {
    fn at(scores: &[f64], labels: &[f64], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (score, label) in scores.iter().zip(labels) {
            match (*score >= threshold, *label > 0.5) {
                (true, true) => c.true_positives += 1,
                (true, false) => c.false_positives += 1,
                (false, false) => c.true_negatives += 1,
                (false, true) => c.false_negatives += 1,
            }
        }
        c
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// `pipelines/evaluate.py`: score data/test.csv with model/model.json, write the report.
pub(super) fn evaluate(root: &Path) -> Result<TestMetrics> {
    let model_path = root.join(MODEL);
    let bytes = std::fs::read(&model_path).map_err(|source| Error::Io {
        action: "read",
        path: model_path.clone(),
        source,
    })?;
    let model: Model =
        serde_json::from_slice(&bytes).map_err(|e| bad_data(&model_path, e.to_string()))?;
    let data = Dataset::read(root, TEST_SET)?;
    if data.features != model.features
        || model.means.len() != model.features.len()
        || model.stds.len() != model.features.len()
        || model.weights.len() != model.features.len()
    {
        return Err(bad_data(
            &model_path,
            format!("the model's features do not match the columns of {TEST_SET}"),
        ));
    }
    let scores: Vec<f64> = data.x.iter().map(|row| model.score(row)).collect();
    let auc = roc_auc(&scores, &data.y).ok_or_else(|| {
        bad_data(
            &root.join(TEST_SET),
            "the test set needs both classes".into(),
        )
    })?;
    let c = Confusion::at(&scores, &data.y, model.threshold);
    let metrics = TestMetrics {
        auc: round4(auc),
        accuracy: round4(ratio(c.true_positives + c.true_negatives, scores.len())),
        precision: round4(ratio(
            c.true_positives,
            c.true_positives + c.false_positives,
        )),
        recall: round4(ratio(
            c.true_positives,
            c.true_positives + c.false_negatives,
        )),
        threshold: model.threshold,
    };
    let report = Evaluation {
        model: MODEL,
        dataset: TEST_SET,
        rows: scores.len(),
        positives: c.true_positives + c.false_negatives,
        threshold: model.threshold,
        metrics,
        confusion_matrix: c,
    };
    write_json(root, REPORT, &report)?;
    Ok(metrics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_hand_computed_examples() {
        // Pairs (positive, negative): (0.35, 0.1) ok, (0.35, 0.4) wrong,
        // (0.8, 0.1) ok, (0.8, 0.4) ok: 3 of 4.
        let scores = [0.1, 0.4, 0.35, 0.8];
        let labels = [0.0, 0.0, 1.0, 1.0];
        assert_eq!(roc_auc(&scores, &labels), Some(0.75));
        // A tie between a positive and a negative counts half.
        assert_eq!(roc_auc(&[0.5, 0.5], &[0.0, 1.0]), Some(0.5));
        assert_eq!(roc_auc(&[0.2, 0.5, 0.5], &[0.0, 0.0, 1.0]), Some(0.75));
        assert_eq!(roc_auc(&[0.9, 0.1], &[1.0, 0.0]), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.1], &[1.0, 1.0]), None);
    }

    #[test]
    fn logistic_regression_improves_log_loss() {
        let mut rng = SplitMix64::new(7);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..400 {
            let a = rng.normal();
            let b = rng.normal();
            x.push(vec![a, b, 3.0]);
            y.push(if 1.5 * a - b + 0.5 * rng.normal() > 0.0 {
                1.0
            } else {
                0.0
            });
        }
        let hyper = Hyper {
            learning_rate: 0.1,
            epochs: 20,
            batch_size: 32,
            l2: 0.001,
            threshold: 0.5,
        };
        let (means, stds, weights, bias) = fit_logistic(&x, &y, &hyper, 42);
        assert_eq!(stds[2], 1.0, "a constant column is not scaled to infinity");
        let model = Model {
            model_type: "logistic_regression".into(),
            features: vec!["a".into(), "b".into(), "c".into()],
            means,
            stds,
            weights: weights.clone(),
            bias,
            threshold: 0.5,
            training: TrainingInfo {
                rows: 400,
                positives: 0,
                learning_rate: 0.1,
                epochs: 20,
                batch_size: 32,
                l2: 0.001,
                seed: 42,
            },
        };
        let fitted: Vec<f64> = x.iter().map(|r| model.score(r)).collect();
        let baseline = log_loss(&vec![0.5; y.len()], &y);
        let loss = log_loss(&fitted, &y);
        assert!(loss < baseline * 0.6, "{loss} vs {baseline}");
        assert!(weights[0] > 0.0 && weights[1] < 0.0);
        assert!(roc_auc(&fitted, &y).is_some_and(|auc| auc > 0.9));
        // Same seed, same model.
        assert_eq!(fit_logistic(&x, &y, &hyper, 42).2, weights);
    }
}

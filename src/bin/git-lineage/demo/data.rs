//! The demo's data: a seeded PRNG (SplitMix64), the synthetic customers and claims
//! with their raw CSV files, a small CSV table reader, and the feature processing and
//! training-set join/split that the `process` and `query` steps run.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{
    FEATURES_CLAIMS, FEATURES_CUSTOMERS, RAW_CLAIMS, RAW_CUSTOMERS, TEST_PERCENT, TEST_SET,
    TRAIN_SET, bad_data, write_file,
};
use git_lineage::{Error, Result};

const CUSTOMERS: usize = 1000;
const CLAIMS: usize = 2000;

// ---------------------------------------------------------------------------
// Deterministic data generation.

/// SplitMix64: a tiny, well-mixed PRNG whose output is fixed by its seed on
/// every platform (integer arithmetic only).
#[derive(Debug, Clone)]
pub(super) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(super) fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n) (Lemire's multiply-shift; n = 0 gives 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Approximately standard normal (Irwin–Hall: twelve uniforms minus six),
    /// so the data need no platform-dependent transcendental functions.
    pub(super) fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.next_f64()).sum::<f64>() - 6.0
    }

    /// An index drawn with the given relative weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.next_f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// Fisher–Yates shuffle.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

const STATES: [(&str, f64); 6] = [
    ("CA", 0.38),
    ("WA", 0.2),
    ("AZ", 0.13),
    ("OR", 0.12),
    ("NV", 0.11),
    ("ID", 0.06),
];
const DEDUCTABLES: [(u32, f64); 3] = [(500, 0.35), (1000, 0.45), (2000, 0.2)];
const CLAIMS_PAST_YEAR: [(u32, f64); 5] = [(0, 0.62), (1, 0.25), (2, 0.09), (3, 0.03), (4, 0.01)];
const INSURERS: [(u32, f64); 5] = [(1, 0.55), (2, 0.26), (3, 0.12), (4, 0.05), (5, 0.02)];
/// Raw value, feature-column suffix, weight.
const INCIDENT_TYPES: [(&str, &str, f64); 4] = [
    ("Collision", "collision", 0.55),
    ("Theft", "theft", 0.15),
    ("Break-in", "breakin", 0.18),
    ("Vandalism", "vandalism", 0.12),
];
/// Raw value, ordinal feature value, weight, typical vehicle damage in dollars.
const SEVERITIES: [(&str, f64, f64, f64); 3] = [
    ("Minor", 0.0, 0.5, 3_000.0),
    ("Major", 0.5, 0.35, 12_000.0),
    ("Totaled", 1.0, 0.15, 25_000.0),
];
const COLLISION_TYPES: [(&str, &str); 3] = [("Front", "front"), ("Rear", "rear"), ("Side", "side")];

fn pick<T: Copy, const N: usize>(rng: &mut SplitMix64, table: &[(T, f64); N]) -> T {
    let weights = table.map(|(_, w)| w);
    table[rng.weighted(&weights).min(N.saturating_sub(1))].0
}

#[derive(Debug, Clone)]
pub(super) struct Customer {
    age: u32,
    months_as_customer: u32,
    num_claims_past_year: u32,
    num_insurers_past_5_years: u32,
    policy_state: &'static str,
    policy_deductable: u32,
    policy_annual_premium: f64,
}

#[derive(Debug, Clone)]
pub(super) struct Claim {
    customer: usize,
    incident_type: usize,
    incident_severity: usize,
    collision_type: Option<usize>,
    injury_claim: u32,
    vehicle_claim: u32,
    police_report_available: bool,
    fraud: bool,
}

impl Claim {
    fn total(&self) -> u32 {
        self.injury_claim + self.vehicle_claim
    }
}

fn customer_id(i: usize) -> String {
    format!("C{:05}", i + 1)
}

fn claim_id(i: usize) -> String {
    format!("CL{:06}", i + 1)
}

/// Generate the raw customers and claims. Fraud follows a probit model of a
/// few features (more insurers and past claims, no police report, thefts,
/// large and injury-heavy claims, young or new customers) plus normal noise,
/// so a linear model can learn much of it but not all.
pub(super) fn generate(seed: u64) -> (Vec<Customer>, Vec<Claim>) {
    let mut rng = SplitMix64::new(seed);
    let customers: Vec<Customer> = (0..CUSTOMERS)
        .map(|_| {
            let age = (44.0 + 13.0 * rng.normal()).round().clamp(18.0, 85.0) as u32;
            let max_months = ((age - 17) * 12).min(480);
            let months_as_customer = 1 + rng.below(u64::from(max_months)) as u32;
            let policy_deductable = pick(&mut rng, &DEDUCTABLES);
            let premium = 1_150.0 + 240.0 * rng.normal() - 0.12 * f64::from(policy_deductable);
            Customer {
                age,
                months_as_customer,
                num_claims_past_year: pick(&mut rng, &CLAIMS_PAST_YEAR),
                num_insurers_past_5_years: pick(&mut rng, &INSURERS),
                policy_state: pick(&mut rng, &STATES),
                policy_deductable,
                policy_annual_premium: (premium.max(420.0) * 100.0).round() / 100.0,
            }
        })
        .collect();
    let incident_weights = INCIDENT_TYPES.map(|t| t.2);
    let severity_weights = SEVERITIES.map(|s| s.2);
    let claims = (0..CLAIMS)
        .map(|_| {
            let customer = rng.below(CUSTOMERS as u64) as usize;
            let c = &customers[customer];
            let incident_type = rng.weighted(&incident_weights);
            let incident_severity = rng.weighted(&severity_weights);
            let collision = incident_type == 0;
            let collision_type =
                collision.then(|| rng.below(COLLISION_TYPES.len() as u64) as usize);
            let base = SEVERITIES[incident_severity].3;
            let vehicle_claim = (base * (0.6 + 0.8 * rng.next_f64()) / 10.0).round() * 10.0;
            let injury_claim = if collision {
                (vehicle_claim * (0.05 + 0.45 * rng.next_f64()) / 10.0).round() * 10.0
            } else {
                0.0
            };
            let police_report_available = rng.next_f64() < 0.68;
            let total = vehicle_claim + injury_claim;
            let latent = -2.3
                + 0.55 * f64::from(c.num_insurers_past_5_years - 1)
                + 0.45 * f64::from(c.num_claims_past_year)
                + if police_report_available { 0.0 } else { 0.75 }
                + match incident_type {
                    1 => 0.7,
                    2 => 0.35,
                    _ => 0.0,
                }
                + if incident_severity == 1 { 0.35 } else { 0.0 }
                + 0.45 * (total - 14_000.0) / 10_000.0
                + if total > 0.0 && injury_claim / total > 0.3 {
                    0.5
                } else {
                    0.0
                }
                - 0.2 * f64::from(c.months_as_customer) / 120.0
                + if c.age < 25 { 0.4 } else { 0.0 }
                + rng.normal();
            Claim {
                customer,
                incident_type,
                incident_severity,
                collision_type,
                injury_claim: injury_claim as u32,
                vehicle_claim: vehicle_claim as u32,
                police_report_available,
                fraud: latent > 0.0,
            }
        })
        .collect();
    (customers, claims)
}

pub(super) fn customers_csv(customers: &[Customer]) -> String {
    let mut out = String::from(
        "customer_id,age,months_as_customer,num_claims_past_year,num_insurers_past_5_years,\
policy_state,policy_deductable,policy_annual_premium\n",
    );
    for (i, c) in customers.iter().enumerate() {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{:.2}",
            customer_id(i),
            c.age,
            c.months_as_customer,
            c.num_claims_past_year,
            c.num_insurers_past_5_years,
            c.policy_state,
            c.policy_deductable,
            c.policy_annual_premium
        );
    }
    out
}

pub(super) fn claims_csv(customers: &[Customer], claims: &[Claim]) -> String {
    let mut out = String::from(
        "claim_id,customer_id,incident_type,incident_severity,collision_type,total_claim_amount,\
injury_claim,vehicle_claim,police_report_available,fraud\n",
    );
    for (i, c) in claims.iter().enumerate() {
        let customer = customer_id(c.customer.min(customers.len().saturating_sub(1)));
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            claim_id(i),
            customer,
            INCIDENT_TYPES[c.incident_type].0,
            SEVERITIES[c.incident_severity].0,
            c.collision_type.map_or("NA", |t| COLLISION_TYPES[t].0),
            c.total(),
            c.injury_claim,
            c.vehicle_claim,
            if c.police_report_available {
                "YES"
            } else {
                "NO"
            },
            u8::from(c.fraud)
        );
    }
    out
}

// ---------------------------------------------------------------------------
// A small CSV table (no quoting: the demo's values never contain commas).

struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(root: &Path, rel: &str) -> Result<Table> {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .ok_or_else(|| bad_data(&path, "the file is empty".into()))?
            .split(',')
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (n, line) in lines.enumerate() {
            let row: Vec<String> = line.split(',').map(str::to_string).collect();
            if row.len() != header.len() {
                return Err(bad_data(
                    &path,
                    format!(
                        "line {}: {} fields, the header has {}",
                        n + 2,
                        row.len(),
                        header.len()
                    ),
                ));
            }
            rows.push(row);
        }
        Ok(Table { path, header, rows })
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad_data(&self.path, format!("no column '{name}'")))
    }

    fn number(&self, row: usize, col: usize) -> Result<f64> {
        let text = self.rows[row][col].as_str();
        text.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                bad_data(
                    &self.path,
                    format!(
                        "line {}: column '{}': '{text}' is not a number",
                        row + 2,
                        self.header[col]
                    ),
                )
            })
    }

    fn numbers(&self, name: &str) -> Result<Vec<f64>> {
        let col = self.column(name)?;
        (0..self.rows.len()).map(|r| self.number(r, col)).collect()
    }

    fn texts(&self, name: &str) -> Result<Vec<&str>> {
        let col = self.column(name)?;
        Ok(self.rows.iter().map(|r| r[col].as_str()).collect())
    }
}

/// Six decimals, without a negative zero.
fn fmt6(x: f64) -> String {
    let text = format!("{x:.6}");
    if text == "-0.000000" {
        "0.000000".into()
    } else {
        text
    }
}

/// Population z-scores (a constant column scales to zeros).
fn zscores(values: &[f64]) -> Vec<f64> {
    let (mean, std) = mean_std(values);
    values.iter().map(|x| (x - mean) / std).collect()
}

/// Mean and population standard deviation; a zero deviation is reported as 1.
pub(super) fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let std = var.sqrt();
    (mean, if std > 0.0 { std } else { 1.0 })
}

fn one_hot(flag: bool) -> &'static str {
    if flag { "1" } else { "0" }
}

// ---------------------------------------------------------------------------
// Step computations (what pipelines/*.py do).

/// `pipelines/preprocess.py`: the claims and customers feature tables.
pub(super) fn preprocess(root: &Path) -> Result<(usize, usize)> {
    let claims = Table::read(root, RAW_CLAIMS)?;
    let types = claims.texts("incident_type")?;
    let severities = claims.texts("incident_severity")?;
    let collisions = claims.texts("collision_type")?;
    let police = claims.texts("police_report_available")?;
    let ids = claims.texts("claim_id")?;
    let customer_ids = claims.texts("customer_id")?;
    let fraud = claims.texts("fraud")?;
    let totals = claims.numbers("total_claim_amount")?;
    let injuries = claims.numbers("injury_claim")?;
    let totals_z = zscores(&totals);

    let mut out = String::from("claim_id,customer_id");
    for (_, suffix, _) in INCIDENT_TYPES {
        let _ = write!(out, ",incident_type_{suffix}");
    }
    out.push_str(",incident_severity");
    for (_, suffix) in COLLISION_TYPES {
        let _ = write!(out, ",collision_type_{suffix}");
    }
    out.push_str(",total_claim_amount_z,injury_share,police_report_available,fraud\n");
    for r in 0..claims.rows.len() {
        let _ = write!(out, "{},{}", ids[r], customer_ids[r]);
        for (value, _, _) in INCIDENT_TYPES {
            let _ = write!(out, ",{}", one_hot(types[r] == value));
        }
        let severity = SEVERITIES
            .iter()
            .find(|s| s.0 == severities[r])
            .ok_or_else(|| {
                bad_data(
                    &claims.path,
                    format!(
                        "line {}: unknown incident_severity '{}'",
                        r + 2,
                        severities[r]
                    ),
                )
            })?;
        let _ = write!(out, ",{}", fmt6(severity.1));
        for (value, _) in COLLISION_TYPES {
            let _ = write!(out, ",{}", one_hot(collisions[r] == value));
        }
        let injury_share = if totals[r] > 0.0 {
            injuries[r] / totals[r]
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            ",{},{},{},{}",
            fmt6(totals_z[r]),
            fmt6(injury_share),
            one_hot(police[r] == "YES"),
            fraud[r]
        );
    }
    write_file(root, FEATURES_CLAIMS, out.as_bytes())?;

    let customers = Table::read(root, RAW_CUSTOMERS)?;
    let ids = customers.texts("customer_id")?;
    let ages = customers.numbers("age")?;
    let months = customers.numbers("months_as_customer")?;
    let past_claims = customers.texts("num_claims_past_year")?;
    let insurers = customers.texts("num_insurers_past_5_years")?;
    let states = customers.texts("policy_state")?;
    let deductables = customers.numbers("policy_deductable")?;
    let premiums = customers.numbers("policy_annual_premium")?;
    let (ages_z, months_z, premiums_z) = (zscores(&ages), zscores(&months), zscores(&premiums));
    let mut out = String::from(
        "customer_id,age_z,months_as_customer_z,tenure_share,num_claims_past_year,num_insurers_past_5_years",
    );
    for (state, _) in STATES {
        let _ = write!(out, ",policy_state_{}", state.to_ascii_lowercase());
    }
    out.push_str(",policy_deductable_k,policy_annual_premium_z\n");
    for r in 0..customers.rows.len() {
        let adult_months = ((ages[r] - 16.0) * 12.0).max(1.0);
        let tenure_share = (months[r] / adult_months).min(1.0);
        let _ = write!(
            out,
            "{},{},{},{},{},{}",
            ids[r],
            fmt6(ages_z[r]),
            fmt6(months_z[r]),
            fmt6(tenure_share),
            past_claims[r],
            insurers[r]
        );
        for (state, _) in STATES {
            let _ = write!(out, ",{}", one_hot(states[r] == state));
        }
        let _ = writeln!(
            out,
            ",{},{}",
            fmt6(deductables[r] / 1000.0),
            fmt6(premiums_z[r])
        );
    }
    write_file(root, FEATURES_CUSTOMERS, out.as_bytes())?;
    Ok((claims.rows.len(), customers.rows.len()))
}

/// True when a claim belongs to the test set: a stable hash split, so a claim
/// never moves between train and test as new claims arrive.
fn in_test_set(claim_id: &str) -> bool {
    let hash = git_lineage::hash::ContentHash::of_bytes(claim_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(first) % 100 < TEST_PERCENT
}

/// `pipelines/build_training_set.py`: join the feature groups, split 80/20.
pub(super) fn build_training_set(root: &Path) -> Result<(usize, usize)> {
    let claims = Table::read(root, FEATURES_CLAIMS)?;
    let customers = Table::read(root, FEATURES_CUSTOMERS)?;
    let claim_key = claims.column("customer_id")?;
    let claim_id_col = claims.column("claim_id")?;
    let fraud_col = claims.column("fraud")?;
    let customer_key = customers.column("customer_id")?;
    let by_customer: HashMap<&str, &Vec<String>> = customers
        .rows
        .iter()
        .map(|row| (row[customer_key].as_str(), row))
        .collect();

    let claim_cols: Vec<usize> = (0..claims.header.len())
        .filter(|&c| c != claim_key && c != fraud_col && c != claim_id_col)
        .collect();
    let customer_cols: Vec<usize> = (0..customers.header.len())
        .filter(|&c| c != customer_key)
        .collect();
    let mut header = vec!["claim_id"];
    header.extend(claim_cols.iter().map(|&c| claims.header[c].as_str()));
    header.extend(customer_cols.iter().map(|&c| customers.header[c].as_str()));
    header.push("fraud");
    let header = header.join(",") + "\n";

    let mut order: Vec<usize> = (0..claims.rows.len()).collect();
    order.sort_by(|&a, &b| claims.rows[a][claim_id_col].cmp(&claims.rows[b][claim_id_col]));
    let (mut train, mut test) = (header.clone(), header);
    let (mut train_rows, mut test_rows) = (0, 0);
    for r in order {
        let row = &claims.rows[r];
        let Some(customer) = by_customer.get(row[claim_key].as_str()) else {
            continue; // inner join
        };
        let mut fields = vec![row[claim_id_col].as_str()];
        fields.extend(claim_cols.iter().map(|&c| row[c].as_str()));
        fields.extend(customer_cols.iter().map(|&c| customer[c].as_str()));
        fields.push(row[fraud_col].as_str());
        let line = fields.join(",") + "\n";
        if in_test_set(&row[claim_id_col]) {
            test.push_str(&line);
            test_rows += 1;
        } else {
            train.push_str(&line);
            train_rows += 1;
        }
    }
    write_file(root, TRAIN_SET, train.as_bytes())?;
    write_file(root, TEST_SET, test.as_bytes())?;
    Ok((train_rows, test_rows))
}

/// A feature matrix with labels, read from a training-set file.
pub(super) struct Dataset {
    pub(super) features: Vec<String>,
    pub(super) x: Vec<Vec<f64>>,
    pub(super) y: Vec<f64>,
}

impl Dataset {
    pub(super) fn read(root: &Path, rel: &str) -> Result<Dataset> {
        let table = Table::read(root, rel)?;
        let id_col = table.column("claim_id")?;
        let label_col = table.column("fraud")?;
        let cols: Vec<usize> = (0..table.header.len())
            .filter(|&c| c != id_col && c != label_col)
            .collect();
        let mut x = Vec::with_capacity(table.rows.len());
        let mut y = Vec::with_capacity(table.rows.len());
        for r in 0..table.rows.len() {
            x.push(
                cols.iter()
                    .map(|&c| table.number(r, c))
                    .collect::<Result<Vec<f64>>>()?,
            );
            let label = table.number(r, label_col)?;
            if label != 0.0 && label != 1.0 {
                return Err(bad_data(
                    &table.path,
                    format!("line {}: fraud must be 0 or 1, not {label}", r + 2),
                ));
            }
            y.push(label);
        }
        Ok(Dataset {
            features: cols.iter().map(|&c| table.header[c].clone()).collect(),
            x,
            y,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DATA_SEED;

    #[test]
    fn splitmix64_is_deterministic_and_matches_the_reference() {
        // Reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        let (mut a, mut b) = (SplitMix64::new(42), SplitMix64::new(42));
        let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut c = SplitMix64::new(43);
        assert_ne!(xs[0], c.next_u64());
        for _ in 0..1000 {
            let u = a.next_f64();
            assert!((0.0..1.0).contains(&u));
            assert!(a.below(7) < 7);
        }
    }

    #[test]
    fn generated_data_are_reproducible_and_plausible() {
        let (customers, claims) = generate(DATA_SEED);
        let again = generate(DATA_SEED);
        assert_eq!(customers_csv(&customers), customers_csv(&again.0));
        assert_eq!(
            claims_csv(&customers, &claims),
            claims_csv(&again.0, &again.1)
        );
        assert_eq!((customers.len(), claims.len()), (CUSTOMERS, CLAIMS));
        let rate = claims.iter().filter(|c| c.fraud).count() as f64 / claims.len() as f64;
        assert!((0.05..0.35).contains(&rate), "fraud rate {rate}");
    }
}

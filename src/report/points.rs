//! A finished sweep's `points.csv` read back: for `analyze` and for the sweep's report.

/// A finished sweep's `points.csv`, read back for analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsTable {
    /// Swept parameters, in column order.
    pub parameters: Vec<String>,
    /// Parameter values per point (`None` where not a number).
    pub x: Vec<Vec<Option<f64>>>,
    /// Metric names.
    pub metrics: Vec<String>,
    /// Per point, each metric's mean over replications (`None` where undefined).
    pub y: Vec<Vec<Option<f64>>>,
}

/// Parse the bytes of `points.csv`.
pub fn parse_points(bytes: &[u8]) -> Result<PointsTable, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(String::from).collect();
    let runs_ok = header
        .iter()
        .position(|h| h == "runs_ok")
        .ok_or_else(|| "no runs_ok column; is this a sweep folder?".to_string())?;
    if header.first().map(String::as_str) != Some("point") || runs_ok < 1 {
        return Err("the header must start with point, then the swept parameters, then runs_ok".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = header.iter().find(|h| !seen.insert(h.as_str())) {
        return Err(format!("column `{dup}` appears twice"));
    }
    let cols: Vec<(usize, String)> =
        header.iter().enumerate().filter_map(|(i, h)| h.strip_suffix("_mean").map(|m| (i, m.to_string()))).collect();
    // Non-finite values (inf, NaN written by hand) count as missing.
    let parse = |v: Option<&str>| v.and_then(|v| v.parse::<f64>().ok()).filter(|x| x.is_finite());
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for rec in reader.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        x.push((1..runs_ok).map(|i| parse(rec.get(i))).collect());
        y.push(cols.iter().map(|(i, _)| parse(rec.get(*i))).collect());
    }
    Ok(PointsTable { parameters: header[1..runs_ok].to_vec(), x, metrics: cols.into_iter().map(|c| c.1).collect(), y })
}

/// A finished sweep's `runs.csv` read back: every replication of every point, for the
/// analyses that separate replication noise from the parameters' effects.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsTable {
    /// Metric names.
    pub metrics: Vec<String>,
    /// Per point, in order: its successful runs, each as (replication, value per metric;
    /// `None` where undefined).
    pub points: Vec<Vec<(u32, Vec<Option<f64>>)>>,
}

impl RunsTable {
    /// Metric `k` at every point, one vector per replication that is complete for it
    /// (ran and defined at every point); replication `r` uses the same random streams at
    /// every point. Returns the vectors and how many replications were left out.
    pub fn replicated(&self, k: usize) -> (Vec<Vec<f64>>, usize) {
        let mut reps: Vec<u32> = self.points.iter().flatten().map(|(r, _)| *r).collect();
        reps.sort_unstable();
        reps.dedup();
        let mut complete = Vec::new();
        for &r in &reps {
            let column: Option<Vec<f64>> = self
                .points
                .iter()
                .map(|runs| runs.iter().find(|(rr, _)| *rr == r).and_then(|(_, v)| v.get(k).copied().flatten()))
                .collect();
            if let Some(c) = column {
                complete.push(c);
            }
        }
        let left_out = reps.len() - complete.len();
        (complete, left_out)
    }
}

/// Parse the bytes of `runs.csv` (run, point, replication, seed, status, the
/// `n_params` swept parameters, then the metrics). Its rows must be in run order, points
/// numbered from 0 without gaps, each (point, replication) once.
pub fn parse_runs(bytes: &[u8], n_params: usize) -> Result<RunsTable, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(String::from).collect();
    let fixed = ["run", "point", "replication", "seed", "status"];
    if header.len() < fixed.len() + n_params || header[..fixed.len()] != fixed {
        return Err(format!("the header must start with {} and the {n_params} swept parameters", fixed.join(",")));
    }
    let first = fixed.len() + n_params;
    let metrics = header[first..].to_vec();
    let mut points: Vec<Vec<(u32, Vec<Option<f64>>)>> = Vec::new();
    // Replications of the current point, failed ones included.
    let mut seen: Vec<u32> = Vec::new();
    for (line, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let at = |what: &str| format!("row {}: {what}", line + 2);
        let int = |i: usize| rec.get(i).and_then(|v| v.parse::<u64>().ok());
        let (Some(point), Some(rep)) = (int(1), int(2)) else {
            return Err(at("point and replication must be whole numbers"));
        };
        if rep > u32::MAX as u64 {
            return Err(at("replication out of range"));
        }
        if point as usize == points.len() {
            points.push(Vec::new());
            seen.clear();
        } else if point as usize + 1 != points.len() {
            return Err(at(&format!("point {point} out of order (points run from 0 in order)")));
        }
        let Some(reps) = points.last_mut() else { return Err(at("no point")) };
        if seen.contains(&(rep as u32)) {
            return Err(at(&format!("point {point}, replication {rep} appears twice")));
        }
        seen.push(rep as u32);
        match rec.get(4) {
            Some("ok") => {}
            Some("failed") => continue,
            other => return Err(at(&format!("status `{}` is neither ok nor failed", other.unwrap_or("")))),
        }
        let mut values = Vec::with_capacity(metrics.len());
        for (k, m) in metrics.iter().enumerate() {
            let cell = rec.get(first + k).unwrap_or("");
            if cell.is_empty() {
                values.push(None);
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => values.push(Some(v)),
                _ => {
                    return Err(at(&format!(
                        "`{m}` = `{cell}` is not a finite number (spsim writes one or an empty cell)"
                    )));
                }
            }
        }
        reps.push((rep as u32, values));
    }
    Ok(RunsTable { metrics, points })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNS: &str = "run,point,replication,seed,status,p,m1,m2\n\
                        0,0,0,1,ok,0.5,1.0,\n1,0,1,1,ok,0.5,2.0,3\n2,1,0,1,failed,0.7,,\n3,1,1,1,ok,0.7,4.0,5\n";

    #[test]
    fn runs_give_each_metric_its_complete_replications() {
        let t = parse_runs(RUNS.as_bytes(), 1).unwrap();
        assert_eq!(t.metrics, ["m1", "m2"]);
        // Replication 0 failed at point 1: only replication 1 is complete.
        assert_eq!(t.replicated(0), (vec![vec![2.0, 4.0]], 1));
        assert_eq!(t.replicated(1), (vec![vec![3.0, 5.0]], 1));
    }

    #[test]
    fn edited_runs_are_refused_with_the_row() {
        let bad = RUNS.replace("4.0,5", "inf,5");
        assert!(parse_runs(bad.as_bytes(), 1).unwrap_err().contains("row 5"));
        let twice = RUNS.replace("3,1,1,1,ok", "3,1,0,1,ok").replace("2,1,0,1,failed", "2,1,1,1,failed");
        assert!(parse_runs(twice.as_bytes(), 1).is_ok());
        let dup = RUNS.replace("3,1,1,1,ok", "3,1,0,1,ok");
        assert!(parse_runs(dup.as_bytes(), 1).unwrap_err().contains("twice"));
        let gap = RUNS.replace("3,1,1", "3,3,1");
        assert!(parse_runs(gap.as_bytes(), 1).unwrap_err().contains("out of order"));
        assert!(parse_runs(b"run,point\n", 1).is_err());
    }
}

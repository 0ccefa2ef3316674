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

//! `ratios.svg`: for each configuration, ours ÷ floor and peer ÷ floor per figure, as bars, with
//! the floor (1.0) and the targets marked.

use std::fmt::Write;

use crate::figures::{self, CHART_KEYS, ConfigResults};
use crate::subjects::Runtime;

const OURS: &str = "#d9480f";
const PEER: &str = "#1971c2";
const GROUP: f64 = 92.0;
const LEFT: f64 = 64.0;
const PLOT: f64 = 170.0;
const PANEL: f64 = 250.0;
const TOP: f64 = 56.0;

/// Short label and ours' target (ratio to the floor) of a chart key.
fn describe(key: &str) -> (&'static str, Option<f64>) {
    match key {
        "size-minimal" => ("size", Some(1.10)),
        "zip-minimal" => ("zip", None),
        "init-minimal" => ("init", Some(1.25)),
        "warm-median" => ("warm p50", Some(1.3)),
        "warm-p99" => ("warm p99", None),
        "throughput" => ("inv/s ↑", Some(0.8)),
        "rss-warm" => ("peak RSS", Some(1.2)),
        "fib" => ("fib(35)", None),
        _ => ("?", None),
    }
}

/// One group of bars: the figure's key, ours ÷ floor, peer ÷ floor.
type Bars = (&'static str, Option<f64>, Option<f64>);

pub fn svg(results: &[ConfigResults]) -> String {
    let panels: Vec<(String, Vec<Bars>)> = results
        .iter()
        .map(|result| {
            let rows = figures::rows(result);
            let bars = CHART_KEYS
                .iter()
                .filter_map(|&key| {
                    let row = rows.iter().find(|r| r.key == key)?;
                    Some((
                        key,
                        row.ratio(Runtime::Ours, Runtime::Floor),
                        row.ratio(Runtime::Peer, Runtime::Floor),
                    ))
                })
                .collect();
            (result.config.label(), bars)
        })
        .collect();
    let groups = panels
        .iter()
        .map(|(_, b)| b.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let top = panels
        .iter()
        .flat_map(|(_, bars)| bars.iter().flat_map(|&(_, a, b)| [a, b]))
        .flatten()
        .fold(1.5_f64, f64::max);
    let top = (top * 2.0).ceil() / 2.0;
    let width = LEFT + GROUP * groups as f64 + 20.0;
    let height = TOP + PANEL * panels.len() as f64;
    let y = |base: f64, ratio: f64| base + PLOT - PLOT * (ratio / top).min(1.0);

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="20" font-size="15" font-weight="bold">Ratios to the floor (1.0 = the std-only loop; lower is better except inv/s)</text>
<rect x="{LEFT}" y="32" width="12" height="12" fill="{OURS}"/><text x="{:.0}" y="42">ruchy-lambda ÷ floor</text>
<rect x="{:.0}" y="32" width="12" height="12" fill="{PEER}"/><text x="{:.0}" y="42">lambda_runtime ÷ floor</text>
<line x1="{:.0}" y1="38" x2="{:.0}" y2="38" stroke="black" stroke-dasharray="4 3"/><text x="{:.0}" y="42">ruchy-lambda target</text>"#,
        LEFT + 16.0,
        LEFT + 170.0,
        LEFT + 186.0,
        LEFT + 360.0,
        LEFT + 384.0,
        LEFT + 390.0,
    );
    for (p, (label, bars)) in panels.iter().enumerate() {
        let base = TOP + PANEL * p as f64 + 24.0;
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="{:.0}" font-weight="bold">{}</text>"#,
            base - 8.0,
            escape(label)
        );
        // Axis and grid.
        let step = if top > 4.0 { 1.0 } else { 0.5 };
        let mut tick = 0.0;
        while tick <= top + 1e-9 {
            let ty = y(base, tick);
            let stroke = if (tick - 1.0).abs() < 1e-9 {
                r##"stroke="#222" stroke-width="1.5""##
            } else {
                r##"stroke="#ddd""##
            };
            let _ = writeln!(
                s,
                r#"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.0}" y2="{ty:.1}" {stroke}/><text x="{:.0}" y="{:.1}" text-anchor="end">{tick:.1}×</text>"#,
                width - 20.0,
                LEFT - 6.0,
                ty + 4.0
            );
            tick += step;
        }
        for (g, &(key, ours, peer)) in bars.iter().enumerate() {
            let x = LEFT + GROUP * g as f64 + 14.0;
            let (name, target) = describe(key);
            for (dx, ratio, color) in [(0.0, ours, OURS), (32.0, peer, PEER)] {
                let Some(ratio) = ratio else { continue };
                let top_y = y(base, ratio);
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{top_y:.1}" width="30" height="{:.1}" fill="{color}"><title>{name}: {ratio:.2}×</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{ratio:.2}</text>"#,
                    x + dx,
                    base + PLOT - top_y,
                    x + dx + 15.0,
                    top_y - 3.0
                );
            }
            if let Some(target) = target {
                let ty = y(base, target);
                let _ = writeln!(
                    s,
                    r#"<line x1="{:.1}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="black" stroke-dasharray="4 3"/>"#,
                    x - 4.0,
                    x + 34.0
                );
            }
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x + 31.0,
                base + PLOT + 16.0,
                escape(name)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

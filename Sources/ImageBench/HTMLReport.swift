import ImagePipeline

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PipelineCore

/// Self-contained HTML pages for benchmark reports: inline CSS and inline SVG charts, no script,
/// no external resource, so a page can be mailed or attached to an issue and opens anywhere.
public enum HTMLReport {
    /// The page for `bench generate`: the summary, failures by class, a table of percentiles, a
    /// stacked bar of the median time of each stage, and one percentile curve per stage.
    public static func page(for report: GenerateReport, title: String = "imagepipe bench generate") -> String {
        var body = "<h1>\(escape(title))</h1>\n"
        body += "<p>\(escape(report.provider)) at <code>\(escape(report.endpoint))</code>: \(report.requests) requests, \(report.concurrency) in flight"
        body += (report.size.map { ", \(escape($0))" } ?? "") + ", \(report.distinctPrompts) distinct prompts, \(report.warmupPasses) warm-up passes.</p>\n"
        body += "<ul class=\"figures\">"
        body += "<li><b>\(report.imagesPerSecond.fixed(1))</b> images/s (\(report.images) in \(report.wallSeconds.fixed(2)) s)</li>"
        if let bytes = report.responseBytes, let rate = report.responseMegabytesPerSecond {
            body += "<li><b>\(rate.fixed(1))</b> MB/s of response bodies (\((Double(bytes) / 1e6).fixed(1)) MB)</li>"
        }
        body += "<li><b>\((Double(report.outputBytes) / 1e6).fixed(1))</b> MB written</li>"
        body += "<li><b>\(report.succeededRequests)</b> requests succeeded, <b>\(report.failedRequests)</b> failed</li></ul>\n"
        if !report.failures.isEmpty {
            body += "<h2>Failures by class</h2>\n<table><tr><th>class</th><th>count</th></tr>"
            for (name, count) in report.failures.sorted(by: { $0.key < $1.key }) {
                body += "<tr><td>\(escape(name))</td><td class=\"n\">\(count)</td></tr>"
            }
            body += "</table>\n"
        }
        body += "<h2>Latency (milliseconds)</h2>\n<table><tr><th>stage</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th></tr>"
        for latency in report.latencies {
            body += "<tr><td>\(escape(latency.stage))</td><td class=\"n\">\(latency.count)</td>"
            for value in [latency.p50, latency.p90, latency.p99, latency.max, latency.mean] {
                body += "<td class=\"n\">\(value.fixed(2))</td>"
            }
            body += "</tr>"
        }
        body += "</table>\n"
        let stages = report.latencies.filter { $0.stage != "total" }
        if !stages.isEmpty {
            body += "<h2>Where a request's time goes (median per stage)</h2>\n"
            body += stackedBar(stages.map { ($0.stage, $0.p50) }, total: report.latency(of: "total")?.p50)
        }
        body += "<h2>Latency distribution per stage</h2>\n<div class=\"grid\">\n"
        for latency in report.latencies {
            body += "<figure>" + percentileCurve(latency) + "<figcaption>\(escape(latency.stage)): p50 \(latency.p50.fixed(2)) ms, p99 \(latency.p99.fixed(2)) ms, max \(latency.max.fixed(2)) ms</figcaption></figure>\n"
        }
        body += "</div>\n"
        return document(title: title, body: body)
    }

    /// The page for `bench codecs`: a table and a bar chart of imagepipe beside its baseline for
    /// each stage (bars scaled per stage, since stages differ in units).
    public static func page(for rows: [CodecBenchmark.Row], corpus: String, rounds: Int, title: String = "imagepipe bench codecs") -> String {
        var body = "<h1>\(escape(title))</h1>\n<p>Corpus <code>\(escape(corpus))</code>, \(rounds) interleaved rounds, medians.</p>\n"
        body += "<table><tr><th>stage</th><th>workload</th><th>imagepipe</th><th>baseline</th><th>baseline throughput</th><th>× baseline</th></tr>"
        for row in rows {
            body += "<tr><td>\(escape(row.stage))</td><td>\(escape(row.workload))</td><td class=\"n\">\(row.throughput.fixed(2)) \(escape(row.unit))</td>"
            body += "<td>\(escape(row.baseline ?? "—"))</td><td class=\"n\">\(row.baselineThroughput.map { "\($0.fixed(2)) \(escape(row.unit))" } ?? "")</td>"
            body += "<td class=\"n\">\(row.speedup.map { $0.fixed(2) } ?? "")</td></tr>"
        }
        body += "</table>\n<h2>imagepipe beside its baseline</h2>\n" + comparisonBars(rows)
        return document(title: title, body: body)
    }

    /// Text made safe for HTML text and attribute values (``HTMLText/escaped(_:)``).
    public static func escape(_ text: String) -> String { HTMLText.escaped(text) }

    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295"]

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        ul.figures { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.5em 2em; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 1em; }
        figure { margin: 0; } figcaption { font-size: 0.9em; color: #555; }
        svg text { font: 11px system-ui, sans-serif; fill: #333; }
        svg .axis { stroke: #999; stroke-width: 1; } svg .grid-line { stroke: #eee; stroke-width: 1; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// One horizontal bar, its segments the stages' medians, with a legend.
    static func stackedBar(_ segments: [(name: String, milliseconds: Double)], total: Double?) -> String {
        let width = 900.0, barHeight = 36.0, left = 10.0
        let sum = segments.reduce(0) { $0 + max(0, $1.milliseconds) }
        let scale = sum > 0 ? (width - 2 * left) / sum : 0
        let legendRows = (segments.count + 3) / 4
        let height = barHeight + 30 + Double(legendRows) * 18
        var svg = "<svg class=\"stacked\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"median time per stage\">"
        var x = left
        for (index, segment) in segments.enumerated() {
            let w = max(0, segment.milliseconds) * scale
            svg += "<rect x=\"\(x.fixed(1))\" y=\"4\" width=\"\(w.fixed(1))\" height=\"\(Int(barHeight))\" fill=\"\(palette[index % palette.count])\"><title>\(escape(segment.name)): \(segment.milliseconds.fixed(2)) ms</title></rect>"
            x += w
        }
        svg += "<text x=\"\(left)\" y=\"\(Int(barHeight + 20))\">sum of stage medians \(sum.fixed(2)) ms" + (total.map { "; whole request median \($0.fixed(2)) ms" } ?? "") + "</text>"
        for (index, segment) in segments.enumerated() {
            let column = Double(index % 4), row = Double(index / 4)
            let lx = left + column * 220, ly = barHeight + 34 + row * 18
            svg += "<rect x=\"\(lx.fixed(0))\" y=\"\((ly - 9).fixed(0))\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>"
            svg += "<text x=\"\((lx + 14).fixed(0))\" y=\"\(ly.fixed(0))\">\(escape(segment.name)) \(segment.milliseconds.fixed(2)) ms</text>"
        }
        return svg + "</svg>\n"
    }

    /// The percentile curve of one distribution: x is the percentile on a "nines" scale (0, 90,
    /// 99, 99.9), y the latency in milliseconds.
    static func percentileCurve(_ latency: LatencyDistribution) -> String {
        let width = 330.0, height = 200.0, left = 46.0, right = 10.0, top = 10.0, bottom = 34.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func nines(_ percentile: Double) -> Double { min(3, -log10Safe(1 - min(percentile, 100) / 100)) }
        let yMax = max(latency.max, latency.curve.map(\.milliseconds).max() ?? 0, 0.001)
        func px(_ percentile: Double) -> Double { left + nines(percentile) / 3 * plotWidth }
        func py(_ value: Double) -> Double { top + plotHeight - value / yMax * plotHeight }
        var svg = "<svg class=\"percentiles\" data-stage=\"\(escape(latency.stage))\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(latency.stage)) latency by percentile\">"
        for fraction in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let y = py(yMax * fraction)
            svg += "<line class=\"grid-line\" x1=\"\(left)\" y1=\"\(y.fixed(1))\" x2=\"\(width - right)\" y2=\"\(y.fixed(1))\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\((y + 4).fixed(1))\" text-anchor=\"end\">\((yMax * fraction).fixed(yMax < 10 ? 2 : 0))</text>"
        }
        for (label, percentile) in [("0", 0.0), ("50", 50.0), ("90", 90.0), ("99", 99.0), ("99.9", 99.9)] {
            let x = px(percentile)
            svg += "<line class=\"grid-line\" x1=\"\(x.fixed(1))\" y1=\"\(top)\" x2=\"\(x.fixed(1))\" y2=\"\(top + plotHeight)\"/>"
            svg += "<text x=\"\(x.fixed(1))\" y=\"\(top + plotHeight + 14)\" text-anchor=\"middle\">\(label)</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - right)\" y2=\"\(top + plotHeight)\"/>"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\"/>"
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 4)\" text-anchor=\"middle\">percentile (ms on the y axis)</text>"
        let points = latency.curve.isEmpty
            ? [(0.0, latency.min), (50.0, latency.p50), (90.0, latency.p90), (99.0, latency.p99), (100.0, latency.max)]
            : latency.curve.map { ($0.percentile, $0.milliseconds) }
        let path = points.map { "\(px($0.0).fixed(1)),\(py($0.1).fixed(1))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\" points=\"\(path)\"/>"
        for (label, value, percentile) in [("p50", latency.p50, 50.0), ("p90", latency.p90, 90.0), ("p99", latency.p99, 99.0)] {
            svg += "<circle cx=\"\(px(percentile).fixed(1))\" cy=\"\(py(value).fixed(1))\" r=\"3\" fill=\"#e15759\"><title>\(label) \(value.fixed(2)) ms</title></circle>"
        }
        return svg + "</svg>"
    }

    /// Paired bars per stage, ours and the baseline, each pair scaled to its larger value.
    static func comparisonBars(_ rows: [CodecBenchmark.Row]) -> String {
        let width = 900.0, labelWidth = 260.0, rowHeight = 46.0
        let height = Double(rows.count) * rowHeight + 30
        let barSpace = width - labelWidth - 140
        var svg = "<svg class=\"comparison\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"imagepipe beside its baseline\">"
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 6
            let scale = max(row.throughput, row.baselineThroughput ?? 0, 1e-12)
            svg += "<text x=\"0\" y=\"\((y + 16).fixed(0))\">\(escape(row.stage))</text>"
            let oursWidth = row.throughput / scale * barSpace
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y.fixed(0))\" width=\"\(oursWidth.fixed(1))\" height=\"16\" fill=\"#4e79a7\"><title>imagepipe \(row.throughput.fixed(2)) \(escape(row.unit))</title></rect>"
            svg += "<text x=\"\((labelWidth + oursWidth + 6).fixed(1))\" y=\"\((y + 12).fixed(0))\">imagepipe \(row.throughput.fixed(2)) \(escape(row.unit))</text>"
            if let theirs = row.baselineThroughput {
                let theirWidth = theirs / scale * barSpace
                svg += "<rect x=\"\(labelWidth)\" y=\"\((y + 19).fixed(0))\" width=\"\(theirWidth.fixed(1))\" height=\"16\" fill=\"#bab0ac\"><title>\(escape(row.baseline ?? "baseline")) \(theirs.fixed(2)) \(escape(row.unit))</title></rect>"
                svg += "<text x=\"\((labelWidth + theirWidth + 6).fixed(1))\" y=\"\((y + 31).fixed(0))\">baseline \(theirs.fixed(2)) \(escape(row.unit))</text>"
            } else {
                svg += "<text x=\"\(labelWidth)\" y=\"\((y + 31).fixed(0))\">no baseline in this process</text>"
            }
        }
        svg += "<rect x=\"\(labelWidth)\" y=\"\((height - 18).fixed(0))\" width=\"10\" height=\"10\" fill=\"#4e79a7\"/><text x=\"\(labelWidth + 14)\" y=\"\((height - 9).fixed(0))\">imagepipe</text>"
        svg += "<rect x=\"\(labelWidth + 110)\" y=\"\((height - 18).fixed(0))\" width=\"10\" height=\"10\" fill=\"#bab0ac\"/><text x=\"\(labelWidth + 124)\" y=\"\((height - 9).fixed(0))\">baseline (same run)</text>"
        return svg + "</svg>\n"
    }

    /// log10 for x in (0, 1], with 0 floored to 1e-9 (beyond the chart's 3 nines).
    static func log10Safe(_ x: Double) -> Double {
        log10(max(x, 1e-9))
    }
}

extension Double {
    /// The value with exactly `places` decimals (`12.345.fixed(2)` is `"12.35"`), without
    /// Foundation's `String(format:)`, which FoundationEssentials does not have.
    func fixed(_ places: Int) -> String {
        guard isFinite else { return isNaN ? "nan" : (self < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        guard scaled < 9e18 else { return String(self) }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale)
        let sign = self < 0 && units > 0 ? "-" : ""
        guard places > 0 else { return sign + String(whole) }
        let fraction = String(units % UInt64(scale))
        return sign + String(whole) + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }
}

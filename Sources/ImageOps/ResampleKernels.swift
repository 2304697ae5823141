internal import CResampleKernels

/// The resampler's row kernels for one instruction-set tier (CResampleKernels): every tier gives
/// the same bits, the widest the CPU runs is used.
struct ResampleKernels: Sendable {
    typealias FilterRow = @convention(c) (
        UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafePointer<Int>?, UnsafePointer<Float>?, Int32, Int32
    ) -> Void
    typealias FilterColumn = @convention(c) (
        UnsafeMutablePointer<Float>?, UnsafePointer<UnsafePointer<Float>?>?, UnsafePointer<Float>?, Int32, Int
    ) -> Void
    typealias Load = @convention(c) (UnsafePointer<UInt8>?, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias Store = @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<UInt8>?, Int32, Int32, Int32) -> Void

    /// The tier's name, for tests and reports.
    let name: String
    let filterRow: FilterRow
    let filterColumn: FilterColumn
    let loadRGB8: Load
    let loadRGBA8: Load
    let store: Store

    /// Baseline instructions only (SSE2 on x86-64).
    static let portable = ResampleKernels(
        name: "portable", filterRow: ipr_filter_row_portable, filterColumn: ipr_filter_column_portable,
        loadRGB8: ipr_load_rgb8_portable, loadRGBA8: ipr_load_rgba8_portable, store: ipr_store_portable
    )

    /// 256-bit vectors; on a CPU without AVX2 it is not ``available``.
    static let avx2 = ResampleKernels(
        name: "avx2", filterRow: ipr_filter_row_avx2, filterColumn: ipr_filter_column_avx2,
        loadRGB8: ipr_load_rgb8_avx2, loadRGBA8: ipr_load_rgba8_avx2, store: ipr_store_avx2
    )

    /// The tiers this CPU runs, portable first.
    static let available: [ResampleKernels] = Int(ipr_best_tier()) >= IPR_TIER_AVX2 ? [.portable, .avx2] : [.portable]

    /// The widest available tier.
    static let best = available.last!
}

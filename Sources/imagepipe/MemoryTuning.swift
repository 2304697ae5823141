#if canImport(Glibc)
import Glibc
#endif

/// The C allocator tuned for commands that go through many images.
enum MemoryTuning {
    /// Keeps freed image buffers in the heap for the next file instead of giving them back to
    /// the kernel.
    ///
    /// By default glibc serves an allocation of more than 128 KiB (raised as large blocks are
    /// freed, up to 32 MiB) from fresh pages and returns a freed heap top past twice that, so the
    /// megabytes of each file's buffers are page-faulted and zeroed by the kernel again for the
    /// next: 7% of a gallery run's time was in the kernel. With these thresholds the heap keeps
    /// up to 256 MiB of freed memory for reuse (`Benchmarks/jpeg-vs-peers.sh`, docs/performance.md).
    /// Memory libjpeg and the codecs allocate past 64 MiB still comes from, and goes back to,
    /// the kernel.
    static func forImageBatches() {
        #if canImport(Glibc)
        // <malloc.h> is not part of Swift's Glibc module: `mallopt` is looked up by name, with
        // its M_TRIM_THRESHOLD (-1) and M_MMAP_THRESHOLD (-3).
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(-3, 64 << 20)
        _ = mallopt(-1, 256 << 20)
        #endif
    }
}

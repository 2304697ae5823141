#if canImport(Glibc)
import Glibc
#endif

/// The machine's processors, for work that splits one image across threads.
public enum Processors {
    /// The processors online (at least 1): the threads of a resize or a decode asked to use
    /// "one a core".
    public static let online: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}

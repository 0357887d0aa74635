import Glibc

/// Process resource limits a server holding many connections needs.
public enum ResourceLimits {
    /// Raises the soft open-files limit (`RLIMIT_NOFILE`) as far as allowed, best effort.
    ///
    /// Ten thousand held calls need ten thousand descriptors; the usual soft limit is 1024.
    /// Tries the hard limit, and when that is refused (an unlimited hard limit is above the
    /// kernel's `nr_open`), 1,048,576 and then 65,536. Returns the soft limit in force afterwards.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return 1024 }
        for candidate in [limits.rlim_max, 1_048_576, 65_536] where candidate > limits.rlim_cur && candidate <= limits.rlim_max {
            var raised = limits
            raised.rlim_cur = candidate
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                return Int(clamping: candidate)
            }
        }
        return Int(clamping: limits.rlim_cur)
    }
}

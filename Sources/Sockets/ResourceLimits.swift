import Glibc

/// Process resource limits a server holding many connections needs.
public enum ResourceLimits {
    /// Raises the soft open-files limit (`RLIMIT_NOFILE`) to the hard limit, best effort.
    ///
    /// Ten thousand held calls need ten thousand descriptors; the usual soft limit is 1024.
    /// Returns the soft limit in force afterwards (unchanged when raising failed).
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return 1024 }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                return Int(clamping: raised.rlim_cur)
            }
        }
        return Int(clamping: limits.rlim_cur)
    }
}

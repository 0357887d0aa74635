import Sockets

/// One re-armable deadline per session instead of one timer per command.
///
/// Scheduling a timer can wake the socket loop (a syscall) when it is the earliest one, so a
/// timer per command costs latency on a lightly loaded server. Instead the session keeps the
/// deadline of what it is waiting for (the environment block or the reply in flight) and at
/// most one armed timer: a new deadline later than the armed one needs no new timer; when the
/// timer fires early it re-arms for the current deadline, and with nothing to wait for it
/// lapses. Typical cost: one timer per session per `defaultReplyTimeout`.
struct AGISessionDeadline: Sendable {
    enum Purpose: Sendable, Equatable {
        case environment
        case reply(id: UInt64, timeout: Duration)
    }

    var at: ContinuousClock.Instant
    var purpose: Purpose
}

/// The armed timer, with a generation so a stale firing is recognised and ignored.
struct AGIArmedTimer: Sendable {
    var at: ContinuousClock.Instant
    var generation: UInt64
    var timer: (any AGIDeadlineTimer)?
}

extension AGISessionCore {
    /// Sets what the session waits for, arming a timer only when none fires early enough.
    func setDeadline(_ deadline: AGISessionDeadline) {
        let (stale, toArm) = withState { s -> ((any AGIDeadlineTimer)?, (ContinuousClock.Instant, UInt64)?) in
            s.deadline = deadline
            if let armed = s.armed, armed.at <= deadline.at { return (nil, nil) }
            s.armGeneration &+= 1
            let stale = s.armed?.timer
            s.armed = AGIArmedTimer(at: deadline.at, generation: s.armGeneration, timer: nil)
            return (stale, (deadline.at, s.armGeneration))
        }
        stale?.cancel()
        if let (at, generation) = toArm { arm(at: at, generation: generation) }
    }

    private func arm(at: ContinuousClock.Instant, generation: UInt64) {
        let timer = clock.schedule(at: at) { [weak self] in
            self?.deadlineFired(generation: generation)
        }
        let keep = withState { s -> Bool in
            guard s.armed?.generation == generation else { return false }
            s.armed?.timer = timer
            return true
        }
        if !keep { timer.cancel() }
    }

    private func deadlineFired(generation: UInt64) {
        var rearm: (ContinuousClock.Instant, UInt64)?
        var effects = Effects()
        withState { s in
            guard s.armed?.generation == generation else { return }
            s.armed = nil
            guard let deadline = s.deadline else { return }  // nothing to wait for: lapse
            if deadline.at > clock.now + .milliseconds(1) {
                s.armGeneration &+= 1
                s.armed = AGIArmedTimer(at: deadline.at, generation: s.armGeneration, timer: nil)
                rearm = (deadline.at, s.armGeneration)
                return
            }
            s.deadline = nil
            expire(deadline.purpose, state: &s, effects: &effects)
        }
        perform(effects)
        if let (at, generation) = rearm { arm(at: at, generation: generation) }
    }

    /// Cancels the armed timer (session over), so no timer outlives the session.
    func disarm() {
        let timer = withState { s -> (any AGIDeadlineTimer)? in
            s.deadline = nil
            defer { s.armed = nil }
            return s.armed?.timer
        }
        timer?.cancel()
    }
}

import Foundation
import Sockets
import TLS
import Synchronization

/// A fake Asterisk manager port (AMI) on loopback, speaking the protocol as Asterisk 22's
/// main/manager.c does: the banner `Asterisk Call Manager/<version>`, `Action:` blocks
/// answered by `Response: Success|Error` blocks with the `ActionID` echoed and a `Message:`,
/// events to every logged-in session whose `Events:` mask includes their class, CRLF line
/// ends and an empty line after each block.
///
/// Actions: `Login` (`Authentication accepted`, then `Event: FullyBooted`; a wrong user or
/// secret gets `Authentication failed` and the connection is closed, as Asterisk does),
/// `Logoff` (`Response: Goodbye`, then closed), `Ping`, `Setvar` (on a channel of the fake
/// PBX, or a global without `Channel`; `No such channel`, `No variable specified`),
/// `UserEvent` (re-broadcast as `Event: UserEvent`). Any other action before login gets
/// `Permission denied`, after it `Invalid/unknown command`.
///
/// The fake PBX side: `addChannel`, `hangup(channel:cause:)` (an `Event: Hangup` with
/// `Uniqueid`, `Linkedid`, `Cause`, `Cause-txt` and the `channelvars`), `dropConnections()`
/// (an Asterisk restart as the client sees it). Waits are readiness signals on the journal
/// (`waitUntil`), each bounded by a timeout.
public final class FakeAMIServer: Sendable {
    public struct Settings: Sendable {
        /// manager.conf users: name -> secret.
        public var users: [String: String]
        /// The banner's AMI version (Asterisk 22 reports 11.x).
        public var version: String = "11.0.0"
        /// manager.conf `channelvars`: sent as `ChanVariable: NAME=VALUE` in channel events.
        public var channelVariables: [String] = []
        /// Actions the fake reads but never answers (to test action timeouts).
        public var silentActions: Set<String> = []

        public init(users: [String: String], channelVariables: [String] = []) {
            self.users = users
            self.channelVariables = channelVariables
        }
    }

    public let address: SocketAddress
    private let listener: TCPListener
    private let settings: Settings
    private let state: Mutex<State>
    private let started = ContinuousClock.now

    private struct Session {
        let connection: any ByteStream
        var username: String?
        /// Event classes this session receives (`system`, `call`, `user`...); nil = all.
        var eventClasses: Set<String>?
    }

    private struct Waiter {
        let id: UInt64
        let predicate: @Sendable (FakeAMISnapshot) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var snapshot: FakeAMISnapshot
        var sessions: [Int: Session] = [:]
        var waiters: [Waiter] = []
        var nextWaiter: UInt64 = 0
        var stopped = false
    }

    /// Listens on 127.0.0.1 and a free port (`address`).
    ///
    /// - Parameter tls: serve the manager protocol over TLS (manager.conf `tlsenable=yes`);
    ///   a client that fails the handshake never sees the banner.
    public init(settings: Settings, channels: [FakeAMIChannel] = [], tls: TLSServerContext? = nil) throws {
        self.settings = settings
        self.listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        self.address = listener.localAddress
        var byName: [String: FakeAMIChannel] = [:]
        for channel in channels { byName[channel.name] = channel }
        self.state = Mutex(State(snapshot: FakeAMISnapshot(
            actions: [], connections: 0, loggedIn: 0, logins: 0, failedLogins: 0, channels: byName, events: [], globals: [:])))
        listener.startAccepting { [weak self] connection in
            guard let self else {
                connection.close()
                return
            }
            Task {
                guard let tls else { return await self.serve(connection) }
                guard let secure = try? await TLSConnection.accept(connection, context: tls, timeout: .seconds(60)) else { return }
                await self.serve(secure)
            }
        }
    }

    // MARK: - Observing

    public var snapshot: FakeAMISnapshot { state.withLock { $0.snapshot } }

    /// Returns true as soon as `predicate` holds for the journal, false after `timeout`.
    public func waitUntil(timeout: Duration = .seconds(120), _ predicate: @escaping @Sendable (FakeAMISnapshot) -> Bool) async -> Bool {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        let timer = ScheduledTimer.schedule(after: timeout) { [weak self] in self?.resolveWaiter(id, false) }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let now: Bool = state.withLock { s in
                if predicate(s.snapshot) { return true }
                s.waiters.append(Waiter(id: id, predicate: predicate, continuation: continuation))
                return false
            }
            if now { continuation.resume(returning: true) }
        }
    }

    private func resolveWaiter(_ id: UInt64, _ value: Bool) {
        let waiter = state.withLock { s -> Waiter? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: value)
    }

    /// Mutates the journal, then wakes the waiters whose predicate now holds.
    private func update<T>(_ body: (inout State) -> T) -> T {
        let (result, ready): (T, [Waiter]) = state.withLock { s in
            let result = body(&s)
            var ready: [Waiter] = []
            s.waiters.removeAll { waiter in
                guard waiter.predicate(s.snapshot) else { return false }
                ready.append(waiter)
                return true
            }
            return (result, ready)
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
        return result
    }

    // MARK: - The fake PBX

    public func addChannel(_ channel: FakeAMIChannel) {
        update { $0.snapshot.channels[channel.name] = channel }
    }

    public func channel(named name: String) -> FakeAMIChannel? {
        state.withLock { $0.snapshot.channels[name] }
    }

    /// The channel hangs up: `Event: Hangup` to every session reading `call` events, and the
    /// channel is gone (a later `Setvar` on it gets `No such channel`). Cause 16 = normal clearing.
    public func hangup(channel name: String, cause: Int = 16) async {
        let channel = update { s in s.snapshot.channels.removeValue(forKey: name) }
        guard let channel else { return }
        var headers = channel.snapshotHeaders(channelVariables: settings.channelVariables)
        headers.append(("Cause", String(cause)))
        headers.append(("Cause-txt", Self.causeText(cause)))
        await broadcast("Hangup", eventClass: "call", headers)
    }

    /// Closes every manager connection without a word (Asterisk restarting, a network cut).
    public func dropConnections() {
        let sessions = update { s -> [Session] in
            defer {
                s.sessions = [:]
                s.snapshot.loggedIn = 0
            }
            return Array(s.sessions.values)
        }
        for session in sessions { session.connection.close() }
    }

    /// Stops listening and closes every connection.
    public func stop() {
        update { $0.stopped = true }
        listener.close()
        dropConnections()
        let waiters = state.withLock { s -> [Waiter] in
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: false) }
    }

    static func causeText(_ cause: Int) -> String {
        switch cause {
        case 16: "Normal Clearing"
        case 17: "User busy"
        case 19: "No user responding"
        case 21: "Call Rejected"
        case 127: "Interworking, unspecified"
        default: "Unknown"
        }
    }

    // MARK: - One manager session

    private func serve(_ connection: any ByteStream) async {
        let id: Int? = update { s in
            guard !s.stopped else { return nil }
            s.snapshot.connections += 1
            let id = s.snapshot.connections
            s.sessions[id] = Session(connection: connection)
            return id
        }
        guard let id else {
            connection.close()
            return
        }
        defer { endSession(id) }
        guard (try? await connection.write(Array("Asterisk Call Manager/\(settings.version)\r\n".utf8), timeout: .seconds(5))) != nil else { return }
        var buffer: [UInt8] = []
        var headers: [(name: String, value: String)] = []
        while true {
            guard let bytes = try? await connection.read(maxBytes: 65_536, timeout: .seconds(60)), !bytes.isEmpty else { return }
            buffer += bytes
            while let newline = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 0x0D { line.removeLast() }
                let text = String(decoding: line, as: UTF8.self)
                if text.isEmpty {
                    guard !headers.isEmpty else { continue }
                    let keepOpen = await handle(headers, session: id, connection: connection)
                    headers = []
                    if !keepOpen {
                        connection.close()
                        return
                    }
                } else if let colon = text.firstIndex(of: ":") {
                    let value = text[text.index(after: colon)...].drop(while: { $0 == " " })
                    headers.append((String(text[..<colon]), String(value)))
                } else {
                    headers.append((text, ""))
                }
            }
        }
    }

    private func endSession(_ id: Int) {
        update { s in
            if let session = s.sessions.removeValue(forKey: id) {
                session.connection.close()
                if session.username != nil { s.snapshot.loggedIn -= 1 }
            }
        }
    }

    /// Answers one action; false = close the connection afterwards (failed login, Logoff).
    private func handle(_ headers: [(name: String, value: String)], session id: Int, connection: any ByteStream) async -> Bool {
        func header(_ name: String) -> String? {
            headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
        }
        let action = (header("Action") ?? "").trimmingCharacters(in: .whitespaces)
        let actionID = header("ActionID")
        let loggedIn = state.withLock { $0.sessions[id]?.username != nil }
        var record = FakeAMIAction(connection: id, headers: headers, response: nil, message: nil)

        var reply: [(String, String)]
        var keepOpen = true
        var afterReply: (() async -> Void)?
        func respond(_ response: String, _ message: String?, _ extra: [(String, String)] = []) {
            reply = [("Response", response)]
            if let actionID { reply.append(("ActionID", actionID)) }
            if let message { reply.append(("Message", message)) }
            reply += extra
            record.response = response
            record.message = message
        }
        reply = []

        let lower = action.lowercased()
        if settings.silentActions.contains(where: { $0.lowercased() == lower }) {
            update { $0.snapshot.actions.append(record) }
            return true
        }
        if action.isEmpty {
            respond("Error", "Missing action in request")
        } else if !loggedIn && lower != "login" && lower != "logoff" && lower != "challenge" {
            respond("Error", "Permission denied")
        } else {
            switch lower {
            case "login":
                let user = header("Username") ?? ""
                if loggedIn {
                    respond("Success", "Already authenticated")
                } else if let secret = settings.users[user], secret == header("Secret") {
                    let classes = Self.eventClasses(header("Events"))
                    update { s in
                        s.sessions[id]?.username = user
                        s.sessions[id]?.eventClasses = classes
                        s.snapshot.loggedIn += 1
                        s.snapshot.logins += 1
                    }
                    respond("Success", "Authentication accepted")
                    afterReply = { [self] in
                        let uptime = String(Int((ContinuousClock.now - self.started) / .seconds(1)))
                        await self.send("FullyBooted", eventClass: "system",
                                        [("Uptime", uptime), ("LastReload", uptime), ("Status", "Fully Booted")], to: id)
                    }
                } else {
                    update { $0.snapshot.failedLogins += 1 }
                    respond("Error", "Authentication failed")
                    keepOpen = false
                }
            case "logoff":
                respond("Goodbye", "Thanks for all the fish.")
                keepOpen = false
            case "ping":
                let seconds = Date().timeIntervalSince1970
                respond("Success", nil, [("Ping", "Pong"), ("Timestamp", String(format: "%.6f", seconds))])
            case "setvar":
                let channelName = header("Channel") ?? ""
                let variable = header("Variable") ?? ""
                let value = header("Value") ?? ""
                if variable.isEmpty {
                    respond("Error", "No variable specified")
                } else if channelName.isEmpty {
                    update { $0.snapshot.globals[variable] = value }
                    respond("Success", "Variable Set")
                } else {
                    let found = update { s -> Bool in
                        guard s.snapshot.channels[channelName] != nil else { return false }
                        s.snapshot.channels[channelName]?.variables[variable] = value
                        return true
                    }
                    if found { respond("Success", "Variable Set") } else { respond("Error", "No such channel") }
                }
            case "userevent":
                let name = header("UserEvent") ?? ""
                if name.isEmpty {
                    respond("Error", "UserEvent header missing")
                } else {
                    let body = headers.filter { h in !["action", "actionid", "userevent"].contains(h.name.lowercased()) }
                    respond("Success", nil)
                    afterReply = { [self] in
                        await self.broadcast("UserEvent", eventClass: "user", [("UserEvent", name)] + body.map { ($0.name, $0.value) })
                    }
                }
            default:
                respond("Error", "Invalid/unknown command: \(action). Use Action: ListCommands to show available commands.")
            }
        }
        update { $0.snapshot.actions.append(record) }
        _ = try? await connection.write(Self.encode(reply), timeout: .seconds(5))
        if let afterReply { await afterReply() }
        return keepOpen
    }

    /// Login's `Events:` header: on/yes/all = everything, off/no = nothing, else a class list.
    static func eventClasses(_ header: String?) -> Set<String>? {
        guard let header = header?.lowercased().trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        switch header {
        case "on", "yes", "all": return nil
        case "off", "no": return []
        default: return Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
    }

    // MARK: - Events

    private func broadcast(_ event: String, eventClass: String, _ headers: [(String, String)]) async {
        let targets = update { s -> [Int] in
            s.snapshot.events.append((event, headers))
            return s.sessions.filter { $0.value.username != nil && ($0.value.eventClasses?.contains(eventClass) ?? true) }.map(\.key).sorted()
        }
        for id in targets { await send(event, eventClass: eventClass, headers, to: id, record: false) }
    }

    private func send(_ event: String, eventClass: String, _ headers: [(String, String)], to id: Int, record: Bool = true) async {
        let connection = state.withLock { s -> (any ByteStream)? in
            guard let session = s.sessions[id], session.eventClasses?.contains(eventClass) ?? true else { return nil }
            return session.connection
        }
        guard let connection else { return }
        if record { update { $0.snapshot.events.append((event, headers)) } }
        let block = [("Event", event), ("Privilege", "\(eventClass),all")] + headers
        _ = try? await connection.write(Self.encode(block), timeout: .seconds(5))
    }

    static func encode(_ headers: [(String, String)]) -> [UInt8] {
        var text = ""
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}

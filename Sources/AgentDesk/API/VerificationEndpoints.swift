import CallerAuth
import Foundation
import HTTPServer
import IdentityNumbers

/// `/api/v1/verifications` and `/api/v1/calls/{id}/verification`.
extension AgentDeskService {
    /// `{"number", "profile", "uniqueid"?}` -> 201 `{"txn", "status", "wordPair"?, ...}`.
    ///
    /// The number is validated (check digits, date) before anything else, so a typo never
    /// reaches the provider: 400 `invalid_number` naming only the reason. The engine applies
    /// the IVR's rate limits: the number's, and the per-caller limit keyed `agent:NAME`
    /// (an agent account is one "caller"); refused is 429.
    func startVerification(_ request: HTTPRequest, agent: String) async -> HTTPResponse {
        let body: JSONBody
        switch JSONBody.parse(request, allowed: ["number", "profile", "uniqueid"], required: ["number", "profile"]) {
        case .success(let parsed): body = parsed
        case .failure(let problem): return APIError.badRequest(problem.message)
        }
        let profileName = body.fields["profile"] ?? ""
        guard let profile = profiles[profileName] else {
            return APIError.badRequest("unknown profile (see GET /api/v1/session)", code: "unknown_profile")
        }
        guard let kind = profile.numberKind, profile.loginHintSource == .number else {
            return APIError.badRequest("profile \(profile.name) identifies by caller id, not by a number", code: "unknown_profile")
        }
        let number: PersonalNumber
        switch PersonalNumber.parse(body.fields["number"] ?? "", kind: kind, today: now()) {
        case .success(let parsed): number = parsed
        case .failure(let error):
            logger.info("desk.invalid_number", ["agent": agent, "reason": error.reason.rawValue])
            return APIError.badRequest("not a valid \(kind.rawValue) (\(error.reason.rawValue))", code: "invalid_number")
        }
        let uniqueID = body.fields["uniqueid"].flatMap { $0.isEmpty ? nil : $0 }
        if let uniqueID, !Self.isCallID(uniqueID) {
            return APIError.badRequest("uniqueid: 1 to 128 of A-Z a-z 0-9 . _ -", code: "invalid_request")
        }
        let startedAt = now()
        let record = await engine.start(VerificationRequest(
            profile: profile, number: number, callerID: "agent:\(agent)", initiator: agent, uniqueID: uniqueID,
            options: CallOptions()))
        logger.info("desk.verification_started", ["agent": agent, "txn": record.txn, "profile": profile.name,
                                                   "number": record.numberMasked, "status": record.status.rawValue])
        await writeAuditWhenFinal(record, agent: agent, startedAt: startedAt)
        if record.error == CallErrorCode.rateLimited.rawValue {
            return APIError.tooManyRequests("rate limit reached for this number or agent; try later", retryAfter: nil, txn: record.txn)
        }
        var response = HTTPResponse.json(VerificationView(record), status: 201)
        response.setHeader("Location", "/api/v1/verifications/\(record.txn)")
        return response
    }

    func verification(txn: String) async -> HTTPResponse {
        guard Self.isTxn(txn), let record = await engine.store.record(txn: txn) else { return APIError.notFound }
        return .json(VerificationView(record))
    }

    /// Cancels (no poll after it) and answers the resulting record; a final verification
    /// stays as it was and is answered as is.
    func cancel(txn: String, agent: String) async -> HTTPResponse {
        guard Self.isTxn(txn), await engine.store.record(txn: txn) != nil else { return APIError.notFound }
        guard let record = await engine.cancel(txn: txn, error: CallErrorCode.cancelled.rawValue, reason: "cancelled by agent \(agent)") else {
            return APIError.notFound
        }
        logger.info("desk.verification_cancelled", ["agent": agent, "txn": txn, "status": record.status.rawValue])
        return .json(VerificationView(record))
    }

    func callVerification(callID: String) async -> HTTPResponse {
        guard Self.isCallID(callID), let record = await engine.store.latest(forCall: callID) else { return APIError.notFound }
        return .json(VerificationView(record))
    }

    /// `GET /api/v1/verifications?limit=N` (1...200, default 50): newest first.
    func recent(_ request: HTTPRequest) async -> HTTPResponse {
        var limit = 50
        if let text = request.query["limit"] {
            guard text.count <= 4, let value = Int(text), (1...200).contains(value) else {
                return APIError.badRequest("limit must be 1 to 200")
            }
            limit = value
        }
        let records = await engine.store.recent(limit: limit)
        return .json(["verifications": records.map(VerificationView.init)])
    }

    /// The audit record of an agent's verification, with `initiator` = the agent, once final.
    private func writeAuditWhenFinal(_ started: VerificationRecord, agent: String, startedAt: Date) async {
        let engine = self.engine
        let audit = self.audit
        let logger = self.logger
        let tasks = auditTasks
        let txn = started.txn
        let task = Task {
            let final = started.status.isFinal ? started : await engine.waitForFinal(txn: txn, timeout: .seconds(3600))
            let stored = await engine.store.record(txn: txn)
            let record = final ?? stored ?? started
            let line = AuditRecord(
                time: record.updatedAt, txn: record.txn, uniqueID: record.uniqueID ?? "", channel: "", callerID: "",
                profile: record.profile, initiator: agent, status: Self.auditStatus(record), error: record.error ?? "",
                numberMasked: record.numberMasked, sub: record.claims?.sub ?? "", polls: record.polls,
                durationMs: max(0, Int(record.updatedAt.timeIntervalSince(startedAt) * 1000)))
            if !(await audit.append(line)) { logger.error("desk.audit_failed", ["txn": txn]) }
            await tasks.done(txn)
        }
        await auditTasks.add(txn, task)
    }

    /// The audit log's status is `CIBA_STATUS`, as the IVR writes it (`VERIFIED`, `DENIED`, ...).
    static func auditStatus(_ record: VerificationRecord) -> String {
        if record.status == .verified { return CallStatus.verified.rawValue }
        return record.error.flatMap(CallErrorCode.init(rawValue:))?.status.rawValue ?? CallStatus.error.rawValue
    }

    /// A lower-case UUID.
    static func isTxn(_ text: String) -> Bool {
        text.utf8.count == 36 && text.utf8.enumerated().allSatisfy { index, c in
            [8, 13, 18, 23].contains(index) ? c == UInt8(ascii: "-")
                : (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)
        }
    }

    /// An Asterisk `uniqueid` / `linkedid` (`1700000000.42`) or a similar id.
    static func isCallID(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count) && text.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}

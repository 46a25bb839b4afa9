import Foundation
import TestSupport

/// A message Alertmanager posted to the fake Slack webhook.
struct SlackPost {
    var channel: String
    var title: String
    var text: String

    init?(_ request: LoopbackHTTPServer.Request) {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let attachment = (json["attachments"] as? [[String: Any]])?.first
        else { return nil }
        channel = json["channel"] as? String ?? ""
        title = attachment["title"] as? String ?? ""
        text = attachment["text"] as? String ?? ""
    }
}

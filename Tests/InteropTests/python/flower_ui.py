"""Drives a page in a running headless Chromium over the DevTools protocol, for the Flower UI tests.

Usage: flower_ui.py DEVTOOLS_PORT STEP...   where each STEP is one of
    open:URL      navigate the tab to URL and wait for the document to load
    wait:EXPR     evaluate the JavaScript EXPR every 100 ms until it is truthy (30 s at most); record its value
    eval:EXPR     evaluate EXPR once (e.g. fill an input and click a button); record its value
Prints one JSON line: the recorded values, in order. Exits 1 with the reason when a wait times out or a step fails.
Needs websocket-client (installed into the test's virtual environment by the test).
"""

import json
import sys
import time
import urllib.request

import websocket


class Tab:
    def __init__(self, port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [t for t in json.load(response) if t.get("type") == "page"]
        if not pages:
            raise SystemExit("flower_ui: Chromium has no page open")
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise SystemExit(f"flower_ui: {method} failed: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise SystemExit(f"flower_ui: {expression[:80]!r} threw {result['exceptionDetails'].get('text')}: "
                             f"{result['exceptionDetails'].get('exception', {}).get('description', '')}")
        return result.get("result", {}).get("value")

    def wait(self, expression, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                text = self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")
                raise SystemExit(f"flower_ui: not true within {timeout} s: {expression}\npage text:\n{text}")
            time.sleep(0.1)


def main():
    tab = Tab(int(sys.argv[1]))
    recorded = []
    for step in sys.argv[2:]:
        kind, _, argument = step.partition(":")
        if kind == "open":
            # A marker on the old document: the wait ends only once the new one replaced it and loaded.
            tab.evaluate("window.__flowerUiOld = true")
            tab.call("Page.navigate", url=argument)
            tab.wait("!window.__flowerUiOld && document.readyState === 'complete'")
        elif kind == "wait":
            recorded.append(tab.wait(argument))
        elif kind == "eval":
            recorded.append(tab.evaluate(argument))
        else:
            raise SystemExit(f"flower_ui: unknown step {step[:40]!r}")
    print(json.dumps(recorded))


if __name__ == "__main__":
    main()

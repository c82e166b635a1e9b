/**
 * The chat page served at "/": a Preact component written with htm tagged templates (the `htm` package's
 * standalone build — Preact and htm in one small ES module, served from node_modules at
 * /assets/preact-htm.js, no build step). It posts the conversation to /v1/chat/completions with
 * stream: true and renders the SSE chunks as they arrive; temperature, top-p and max tokens are adjustable.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The Preact + htm ES module (the package's "htm/preact/standalone" export), read once. */
export const preactHtm = (() => {
  let source: string | undefined;
  return () => (source ??= readFileSync(fileURLToPath(import.meta.resolve("htm/preact/standalone")), "utf8"));
})();

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function chatPage(modelId: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>glassbox · ${escape(modelId)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: 8px 16px; border-bottom: 1px solid #ddd; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header label { font-size: 13px; color: #444; }
  header input[type=number] { width: 5em; }
  main { flex: 1; overflow-y: auto; padding: 16px; }
  .message { white-space: pre-wrap; margin: 0 0 12px; padding: 8px 12px; border-radius: 8px; max-width: 48em; }
  .user { background: #e8f0fe; margin-left: auto; }
  .assistant { background: #f3f3f3; }
  .error { background: #fde8e8; color: #900; }
  form { display: flex; gap: 8px; padding: 12px 16px; border-top: 1px solid #ddd; }
  textarea { flex: 1; font: inherit; min-height: 2.5em; }
</style>
</head>
<body>
<div id="app"></div>
<script type="module">
import { html, render, useState, useRef, useEffect } from "/assets/preact-htm.js";
const MODEL = ${JSON.stringify(modelId)};

function App() {
  const [messages, setMessages] = useState([]);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [settings, setSettings] = useState({ temperature: 0.8, top_p: 0.95, max_tokens: 200 });
  const end = useRef(null);
  useEffect(() => end.current?.scrollIntoView(), [messages]);
  const setting = (key) => (e) => setSettings({ ...settings, [key]: Number(e.target.value) });

  async function send(e) {
    e.preventDefault();
    if (!draft.trim() || busy) return;
    const history = [...messages.filter((m) => m.role !== "error"), { role: "user", content: draft }];
    setMessages([...history, { role: "assistant", content: "" }]);
    setDraft("");
    setBusy(true);
    try {
      const response = await fetch("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: MODEL, messages: history, stream: true, ...settings }),
      });
      if (!response.ok) throw new Error((await response.json()).error.message);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "", text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\\n\\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = event.split("\\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("");
          if (!data || data === "[DONE]") continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          text += chunk.choices[0]?.delta?.content ?? "";
          setMessages([...history, { role: "assistant", content: text }]);
        }
      }
    } catch (error) {
      setMessages([...history, { role: "error", content: String(error.message ?? error) }]);
    } finally {
      setBusy(false);
    }
  }

  return html\`
    <header>
      <strong>glassbox</strong><span>\${MODEL}</span>
      <label>temperature <input type="number" name="temperature" min="0" max="2" step="0.1" value=\${settings.temperature} onInput=\${setting("temperature")} /></label>
      <label>top-p <input type="number" name="top_p" min="0" max="1" step="0.05" value=\${settings.top_p} onInput=\${setting("top_p")} /></label>
      <label>max tokens <input type="number" name="max_tokens" min="1" step="1" value=\${settings.max_tokens} onInput=\${setting("max_tokens")} /></label>
    </header>
    <main>
      \${messages.map((m) => html\`<p class="message \${m.role}" data-role=\${m.role}>\${m.content}</p>\`)}
      <div ref=\${end}></div>
    </main>
    <form onSubmit=\${send}>
      <textarea name="prompt" placeholder="Say something" value=\${draft} onInput=\${(e) => setDraft(e.target.value)}
        onKeyDown=\${(e) => { if (e.key === "Enter" && !e.shiftKey) send(e); }}></textarea>
      <button type="submit" disabled=\${busy}>Send</button>
    </form>\`;
}

render(html\`<\${App} />\`, document.getElementById("app"));
</script>
</body>
</html>
`;
}

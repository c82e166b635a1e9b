/**
 * The chat page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; no browser is
 * downloaded): type a message, watch the reply stream in, with the settings the page sends; a screenshot
 * goes to test/.cache/screenshots/chat-page.png.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { startServer, type RunningServer } from "../../src/server/start.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = new URL("../../../test/.cache/screenshots/", import.meta.url).pathname;
let server: RunningServer;
let browser: Browser | undefined;

before(async () => {
  server = await startServer({ port: 0, threads: 1 });
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("chat page: a typed message gets a streamed reply; temperature, top-p and max tokens reach the server", async (t) => {
  if (!browser) {
    t.skip(`${CHROMIUM} is absent (apt-get install chromium)`);
    return;
  }
  const page = await browser.newPage();
  const sent: unknown[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/v1/chat/completions")) sent.push(JSON.parse(r.postData() ?? "{}"));
  });
  let chunks = 0;
  page.on("response", async (r) => {
    if (r.url().endsWith("/v1/chat/completions")) chunks = ((await r.text()).match(/^data: /gm) ?? []).length;
  });
  await page.goto(server.url);
  await page.fill("input[name=temperature]", "0");
  await page.fill("input[name=max_tokens]", "12");
  await page.fill("textarea[name=prompt]", "What did the jury say?");
  await page.click("button[type=submit]");
  const reply = page.locator("[data-role=assistant]");
  await reply.waitFor();
  await page.locator("button[type=submit]:not([disabled])").waitFor({ timeout: 30_000 }); // the reply has finished
  const text = await reply.innerText();
  assert.ok(text.trim().length > 0, "a reply appeared");
  assert.equal(await page.locator("[data-role=user]").innerText(), "What did the jury say?");
  const request = sent[0] as { stream: boolean; temperature: number; max_tokens: number; top_p: number; messages: unknown[] };
  assert.equal(request.stream, true);
  assert.equal(request.temperature, 0);
  assert.equal(request.max_tokens, 12);
  assert.equal(request.top_p, 0.95);
  assert.equal(request.messages.length, 1);
  await page.waitForTimeout(100);
  assert.ok(chunks > 3, `the reply came as ${chunks} SSE events`);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}chat-page.png`, fullPage: true });
  t.diagnostic(`screenshot: ${SHOTS}chat-page.png; the reply came as ${chunks} SSE events`);
  // the same request without streaming gives the same text at temperature 0
  const whole = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ ...request, stream: false }) }).then((r) => r.json()) as { choices: { message: { content: string } }[] };
  assert.equal(text.trim(), whole.choices[0]!.message.content.trim());
});

/**
 * Chat messages → one prompt string, with the model's own Jinja chat template (tokenizer_config.json
 * `chat_template` or GGUF `tokenizer.chat_template`) rendered by @huggingface/jinja, the same engine
 * transformers.js uses. Models without one (the bundled model among them) get DEFAULT_TEMPLATE, a plain
 * "Role: text" transcript that any text model can continue.
 */
import { Template } from "@huggingface/jinja";
import { invalid } from "./api-error.js";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export const DEFAULT_TEMPLATE =
  "{% for message in messages %}{{ message['role'] | capitalize }}: {{ message['content'] }}\n{% endfor %}" +
  "{% if add_generation_prompt %}Assistant:{% endif %}";

/** Checks an OpenAI `messages` array (text content, or content parts of type "text"). */
export function parseMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) throw invalid("'messages' must be an array", "messages", "invalid_type");
  if (value.length === 0) throw invalid("'messages' must contain at least one message", "messages", "empty_array");
  return value.map((m, i) => {
    if (typeof m !== "object" || m === null) throw invalid(`'messages[${i}]' must be an object`, `messages[${i}]`, "invalid_type");
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (role !== "system" && role !== "user" && role !== "assistant" && role !== "developer") {
      throw invalid(`'messages[${i}].role' must be system, user or assistant, got ${JSON.stringify(role)}`, `messages[${i}].role`, "invalid_value");
    }
    let text: string;
    if (typeof content === "string") text = content;
    else if (Array.isArray(content) && content.every((p) => typeof p === "object" && p !== null && (p as { type?: unknown }).type === "text" && typeof (p as { text?: unknown }).text === "string")) {
      text = content.map((p) => (p as { text: string }).text).join("");
    } else throw invalid(`'messages[${i}].content' must be a string or text parts`, `messages[${i}].content`, "invalid_type");
    return { role: role === "developer" ? "system" : role, content: text };
  });
}

export class ChatTemplate {
  private readonly template: Template;
  readonly source: string;
  /** Stop strings a template implies: the default transcript stops where the next user turn would begin. */
  readonly stops: readonly string[];

  constructor(source: string | undefined, private readonly specials: { bos?: string; eos?: string } = {}) {
    this.source = source ?? DEFAULT_TEMPLATE;
    this.template = new Template(this.source);
    this.stops = source === undefined ? ["\nUser:"] : [];
  }

  render(messages: readonly ChatMessage[], addGenerationPrompt = true): string {
    return this.template.render({ messages, add_generation_prompt: addGenerationPrompt, bos_token: this.specials.bos ?? "", eos_token: this.specials.eos ?? "" });
  }
}

/**
 * A reaction emoji as a thumb on the bot's answer: 👍 (up), 👎 (down), or neither.
 *
 * The lists hold what people use to say "good answer" or "bad answer" and little else: Telegram's
 * reaction set (https://core.telegram.org/bots/api#reactiontypeemoji) and WhatsApp's, where any emoji
 * may be a reaction. Up: approval, thanks, love, celebration, excellence. Down: disapproval, disgust,
 * anger, sadness, mockery (🤡) and boredom (🥱). Left out, as they say nothing sure about the answer:
 * laughter (😁 🤣 😂: with the answer, or at it), surprise and thought (😮 🤯 🤔 🤨), 😭 (often tears of
 * laughter), 👀, and the seasonal and novelty ones. A missed reaction costs one vote; a misread one
 * counts against the wrong side.
 */
const UP = [
  "👍",
  "❤️",
  "❤‍🔥",
  "💘",
  "💖",
  "💕",
  "🥰",
  "😍",
  "😘",
  "😊",
  "☺️",
  "🤩",
  "🔥",
  "👏",
  "🙌",
  "🙏",
  "👌",
  "🤝",
  "🤗",
  "🫡",
  "💪",
  "✅",
  "✔️",
  "🆒",
  "🎉",
  "🥳",
  "💯",
  "⚡",
  "🏆",
];
const DOWN = ["👎", "💩", "🤮", "🤢", "😡", "😠", "🤬", "😢", "😞", "💔", "🤡", "🥱", "🖕", "🤦", "❌"];

/**
 * One spelling per emoji: without variation selectors (❤️ and ❤ are one heart), skin tones (👍🏽 is
 * 👍) or a ZWJ gender sign (🤦‍♀️ is 🤦).
 */
function normalise(emoji: string): string {
  return emoji
    .replace(/\uFE0F/g, "")
    .replace(/[\u{1F3FB}-\u{1F3FF}]/gu, "")
    .replace(/\u200D[\u2640\u2642]/g, "")
    .trim();
}

const THUMBS = new Map<string, "up" | "down">([
  ...UP.map((e) => [normalise(e), "up"] as const),
  ...DOWN.map((e) => [normalise(e), "down"] as const),
]);

/** The thumb a reaction emoji stands for, or undefined for one that says neither (🤔, 😂, a custom emoji). */
export function thumbOf(emoji: string): "up" | "down" | undefined {
  return THUMBS.get(normalise(emoji));
}

import type { Translation } from "./en.js";

/** Japanese. Texts not given here are said in English (en.ts). */
export const ja: Translation = {
  limitedMode: "（現在アシスタントは機能制限モードです。この回答はよくある質問からのものです。）",
  "model.unavailable": "申し訳ありません。現在お答えできません。しばらくしてからもう一度お試しください。",
  "webchat.reload": "このページは古くなっています。チャットを続けるには、ページを再読み込みしてください。",
};

import type { Translation } from "./en.js";

/** Korean. Texts not given here are said in English (en.ts). */
export const ko: Translation = {
  limitedMode: "(현재 어시스턴트가 제한 모드입니다. 이 답변은 자주 묻는 질문에서 가져왔습니다.)",
  "model.unavailable": "죄송합니다. 지금은 답변할 수 없습니다. 잠시 후 다시 시도해 주세요.",
};

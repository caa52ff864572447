import type { Translation } from "./en.js";

/** Korean. Texts not given here are said in English (en.ts). */
export const ko: Translation = {
  limitedMode: "(현재 어시스턴트가 제한 모드입니다. 이 답변은 자주 묻는 질문에서 가져왔습니다.)",
  "model.unavailable": "죄송합니다. 지금은 답변할 수 없습니다. 잠시 후 다시 시도해 주세요.",
  "webchat.reload": "이 페이지는 최신 버전이 아닙니다. 채팅을 계속하려면 페이지를 새로 고침하세요.",
};

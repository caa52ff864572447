import type { Translation } from "./en.js";

/** Portuguese. Texts not given here are said in English (en.ts). */
export const pt: Translation = {
  limitedMode: "(O assistente está em modo limitado: esta resposta vem das nossas perguntas frequentes.)",
  "model.unavailable": "Desculpe, não consigo responder agora. Por favor, tente mais tarde.",
  "webchat.reload": "Esta página está desatualizada. Recarregue-a para continuar a conversa.",
};

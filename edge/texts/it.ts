import type { Translation } from "./en.js";

/** Italian. Texts not given here are said in English (en.ts). */
export const it: Translation = {
  limitedMode: "(L'assistente è in modalità limitata: questa risposta viene dalle nostre FAQ.)",
  "model.unavailable": "Mi dispiace, al momento non posso rispondere. Riprova più tardi.",
  "webchat.reload": "Questa pagina non è aggiornata. Ricaricala per continuare a chattare.",
};

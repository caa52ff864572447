import type { Translation } from "./en.js";

/** German. Texts not given here are said in English (en.ts). */
export const de: Translation = {
  limitedMode: "(Der Assistent ist gerade eingeschränkt verfügbar: Diese Antwort stammt aus unseren FAQ.)",
  "model.unavailable": "Das kann ich gerade leider nicht beantworten. Bitte versuchen Sie es später noch einmal.",
  "webchat.reload": "Diese Seite ist veraltet. Bitte laden Sie sie neu, um weiterzuchatten.",
};

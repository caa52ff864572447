import type { Translation } from "./en.js";

/** French. Texts not given here are said in English (en.ts). */
export const fr: Translation = {
  limitedMode: "(L'assistant fonctionne en mode limité : cette réponse provient de notre FAQ.)",
  "model.unavailable": "Désolé, je ne peux pas répondre pour le moment. Veuillez réessayer plus tard.",
  "webchat.reload": "Cette page n'est plus à jour. Veuillez la recharger pour continuer la conversation.",
};

import type { Translation } from "./en.js";

/** Spanish. Texts not given here are said in English (en.ts). */
export const es: Translation = {
  limitedMode: "(El asistente funciona en modo limitado: esta respuesta proviene de nuestras preguntas frecuentes.)",
  "model.unavailable": "Lo siento, ahora no puedo responder. Por favor, inténtelo más tarde.",
  "webchat.reload": "Esta página está desactualizada. Vuelva a cargarla para seguir chateando.",
};

import type { Translation } from "./en.js";

/** Spanish. Texts not given here are said in English (en.ts). */
export const es: Translation = {
  start:
    "¡Hola! Soy el asistente de este servicio. Pregúnteme lo que quiera, con sus propias palabras.\n\n" +
    "/help muestra lo que puedo hacer y /reset inicia una conversación nueva.",
  "help.intro":
    "Escríbame como le escribiría a una persona y le responderé. Recuerdo la conversación reciente, " +
    "así que puede hacerme más preguntas sobre lo mismo.",
  "help.reset": "/reset olvida esta conversación y empieza de cero",
  "help.forget": "/forget borra todo lo que se guarda sobre usted",
  "help.region": "/region muestra dónde se guarda su conversación",
  "help.reminders": "/reminders muestra sus recordatorios (pídame que le recuerde algo)",
  "help.help": "/help muestra este mensaje",
  "help.groups":
    "En un grupo respondo cuando me menciona, responde a uno de mis mensajes o envía un comando. " +
    "Un administrador del grupo puede hacer que responda a todos los mensajes con /answer all (y volver atrás con /answer mentions).",

  "reset.done": "Listo: he olvidado esta conversación. ¿De qué le gustaría hablar?",

  "answer.all": "A partir de ahora respondo a todos los mensajes de este chat.",
  "answer.mentions":
    "A partir de ahora solo respondo aquí cuando me menciona, responde a uno de mis mensajes o envía un comando.",
  "answer.usage":
    "Envíe /answer all para que responda a todos los mensajes aquí, o /answer mentions para que solo responda cuando se dirijan a mí.",
  "answer.adminsOnly": "Solo un administrador de este grupo puede cambiar cuándo respondo.",
  "answer.private": "En un chat privado respondo a todos los mensajes; /answer es para grupos.",

  "reminders.unavailable": "Los recordatorios no están disponibles en este chat.",
  "reminders.none": "No tiene recordatorios. Pídame que le recuerde algo, indicando la fecha y la hora.",
  "reminders.list": "Sus recordatorios:",
  "reminders.due": "⏰ Recordatorio: {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "Su conversación se guarda en la región {region}. En este canal, la región depende del país de su número de teléfono y no se puede cambiar.",
  "region.fixedByCountry":
    "Su conversación se guarda en la región {region}. En este canal, la región depende del país desde el que inició la conversación y no se puede cambiar.",
  "region.group":
    "La conversación de este grupo se guarda y se procesa en la región {region}. La región de un grupo no se puede cambiar; en un chat privado conmigo, puede mover la suya con /region.",
  "region.current": "Su conversación se guarda y se procesa en la región {region}.",
  "region.howToMove":
    "Para moverla, envíe /region seguido de una de estas regiones: {regions}. Al moverla se borra lo que está guardado aquí.",
  "region.cannotMove": "No se puede mover.",
  "region.already": "Su conversación ya se guarda en la región {region}.",
  "region.notSelectable": "«{target}» no es una región que pueda elegir. Elija una de estas: {regions}.",
  "region.moved": {
    one: "Listo: a partir de ahora su conversación se guarda y se procesa en la región {region}. Se ha borrado {count} mensaje guardado en la región {from}.",
    many: "Listo: a partir de ahora su conversación se guarda y se procesa en la región {region}. Se han borrado {count} mensajes guardados en la región {from}.",
    other:
      "Listo: a partir de ahora su conversación se guarda y se procesa en la región {region}. Se han borrado {count} mensajes guardados en la región {from}.",
  },

  "erasure.done": "Listo. He borrado todo lo que guardaba sobre usted:",
  "erasure.messages": {
    one: "• {count} mensaje de nuestra conversación",
    many: "• {count} mensajes de nuestra conversación",
    other: "• {count} mensajes de nuestra conversación",
  },
  "erasure.summary": "• el resumen de nuestra conversación anterior",
  "erasure.replies": {
    one: "• {count} respuesta guardada",
    many: "• {count} respuestas guardadas",
    other: "• {count} respuestas guardadas",
  },
  "erasure.rateLimits": {
    one: "• {count} contador del límite de envío",
    many: "• {count} contadores del límite de envío",
    other: "• {count} contadores del límite de envío",
  },
  "erasure.reminders": {
    one: "• {count} recordatorio",
    many: "• {count} recordatorios",
    other: "• {count} recordatorios",
  },
  "erasure.region": "• su ajuste de región",
  "erasure.noRegion": "• ningún ajuste de región (no había ninguno guardado)",
  "erasure.afresh": "Si vuelve a escribirme, empezaremos de cero.",

  slowDown: "Está enviando mensajes más rápido de lo que puedo responder. Espere un momento y vuelva a intentarlo.",
  textOnly: "Solo puedo leer texto. Por favor, escriba su pregunta en un mensaje.",
  attachmentNote: "(Solo puedo leer el texto que envió junto con el archivo adjunto, no el adjunto en sí.)",
  tooLong:
    "Su mensaje es demasiado largo para leerlo de una vez. Por favor, acórtelo a lo esencial (su pregunta, un " +
    "número de pedido) y vuelva a enviarlo.",
  "model.unavailable": "Lo siento, ahora no puedo responder. Por favor, inténtelo más tarde.",
  "model.timeout": "Lo siento, he tardado demasiado. Inténtelo de nuevo, quizá con una pregunta más corta.",
  "faq.otherLanguage": "(Esta respuesta solo está disponible en {language}.)",
  limitedMode: "(El asistente funciona en modo limitado: esta respuesta proviene de nuestras preguntas frecuentes.)",
  "capacity.busyNote":
    "Estoy respondiendo muchas preguntas en este momento. Su respuesta está en camino: se la enviaré en cuanto pueda.",
  "capacity.faqNote":
    "(Una respuesta rápida de nuestras preguntas frecuentes mientras estoy ocupado; en breve le llegará una respuesta más completa.)",

  "webchat.tooManyFrames": "demasiadas tramas; espere un momento",
  "webchat.notText": "las tramas deben ser texto JSON",
  "webchat.tooLarge": "las tramas tienen como máximo {bytes} bytes",
  "webchat.busy": "todavía estoy respondiendo a sus mensajes anteriores; espere un momento",
  "webchat.networkLimited": "demasiados mensajes desde esta red; espere un minuto",
  "webchat.rateLimited": "demasiados mensajes; espere un momento",
  "webchat.unavailable": "el asistente no está disponible; inténtelo de nuevo en breve",
  "webchat.queued": "todos los asistentes están ocupados; su mensaje está en cola y se responderá en breve",
  "webchat.reload": "Esta página está desactualizada. Vuelva a cargarla para seguir chateando.",
  "webchat.page.title": "Asistente",
  "webchat.page.empty": "Pregunte lo que quiera: pedidos, envíos, devoluciones. Escriba /reset para empezar de nuevo.",
  "webchat.page.placeholder": "Escriba un mensaje…",
  "webchat.page.message": "Mensaje",
  "webchat.page.send": "Enviar",
  "webchat.page.connecting": "Conectando…",
  "webchat.page.reconnecting": "Reconectando…",
  "webchat.page.online": "En línea",
  "webchat.page.offline": "Sin conexión; nuevo intento en {seconds} s",
  "webchat.page.typing": "El asistente está escribiendo",
  "webchat.page.rate": "Valore esta respuesta",
  "webchat.page.good": "Buena respuesta",
  "webchat.page.bad": "Mala respuesta",
  "webchat.page.failed": "Algo ha salido mal.",
  "webchat.page.tooLong":
    "Este mensaje es demasiado largo para enviarlo ({count} caracteres; como máximo {max}). Por favor, acórtelo.",
};

import type { Translation } from "./en.js";

/** French. Texts not given here are said in English (en.ts). */
export const fr: Translation = {
  start:
    "Bonjour ! Je suis l'assistant de ce service. Posez-moi vos questions, avec vos propres mots.\n\n" +
    "/help indique ce que je sais faire, /reset démarre une nouvelle conversation.",
  "help.intro":
    "Écrivez-moi comme vous écririez à quelqu'un, et je vous répondrai. Je me souviens de nos derniers échanges : " +
    "vous pouvez donc poser des questions complémentaires.",
  "help.reset": "/reset efface cette conversation et repart de zéro",
  "help.forget": "/forget supprime tout ce qui est conservé à votre sujet",
  "help.region": "/region indique où votre conversation est conservée",
  "help.reminders": "/reminders affiche vos rappels (demandez-moi de vous rappeler quelque chose)",
  "help.help": "/help affiche ce message",
  "help.groups":
    "Dans un groupe, je réponds quand vous me mentionnez, répondez à l'un de mes messages ou envoyez une commande. " +
    "Un administrateur du groupe peut me faire répondre à tous les messages avec /answer all (et revenir en arrière avec /answer mentions).",

  "reset.done": "C'est fait : j'ai oublié cette conversation. De quoi souhaitez-vous parler ?",

  "answer.all": "Désormais, je réponds à tous les messages de cette discussion.",
  "answer.mentions":
    "Désormais, je ne réponds ici que si vous me mentionnez, répondez à l'un de mes messages ou envoyez une commande.",
  "answer.usage":
    "Envoyez /answer all pour que je réponde à tous les messages ici, ou /answer mentions pour que je ne réponde que lorsqu'on s'adresse à moi.",
  "answer.adminsOnly": "Seul un administrateur de ce groupe peut choisir quand je réponds.",
  "answer.private": "Dans une discussion privée, je réponds à tous les messages ; /answer est réservé aux groupes.",

  "reminders.unavailable": "Les rappels ne sont pas disponibles dans cette discussion.",
  "reminders.none":
    "Vous n'avez aucun rappel. Demandez-moi de vous rappeler quelque chose, en précisant la date et l'heure.",
  "reminders.list": "Vos rappels :",
  "reminders.due": "⏰ Rappel : {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "Votre conversation est conservée dans la région {region}. Sur ce canal, la région dépend du pays de votre numéro de téléphone et ne peut pas être modifiée.",
  "region.fixedByCountry":
    "Votre conversation est conservée dans la région {region}. Sur ce canal, la région dépend du pays depuis lequel vous avez commencé la conversation et ne peut pas être modifiée.",
  "region.group":
    "La conversation de ce groupe est conservée et traitée dans la région {region}. La région d'un groupe ne peut pas être modifiée ; dans une discussion privée avec moi, /region permet de déplacer la vôtre.",
  "region.current": "Votre conversation est conservée et traitée dans la région {region}.",
  "region.howToMove":
    "Pour la déplacer, envoyez /region suivi de l'une de ces régions : {regions}. Le déplacement supprime ce qui est conservé ici.",
  "region.cannotMove": "Elle ne peut pas être déplacée.",
  "region.already": "Votre conversation est déjà conservée dans la région {region}.",
  "region.notSelectable": "« {target} » n'est pas une région que vous pouvez choisir. Choisissez parmi : {regions}.",
  "region.moved": {
    one: "C'est fait : votre conversation est désormais conservée et traitée dans la région {region}. {count} message conservé dans la région {from} a été supprimé.",
    many: "C'est fait : votre conversation est désormais conservée et traitée dans la région {region}. {count} messages conservés dans la région {from} ont été supprimés.",
    other:
      "C'est fait : votre conversation est désormais conservée et traitée dans la région {region}. {count} messages conservés dans la région {from} ont été supprimés.",
  },

  "erasure.done": "C'est fait. J'ai supprimé tout ce que je conservais à votre sujet :",
  "erasure.messages": {
    one: "• {count} message de notre conversation",
    many: "• {count} messages de notre conversation",
    other: "• {count} messages de notre conversation",
  },
  "erasure.summary": "• le résumé de notre conversation précédente",
  "erasure.replies": {
    one: "• {count} réponse enregistrée",
    many: "• {count} réponses enregistrées",
    other: "• {count} réponses enregistrées",
  },
  "erasure.rateLimits": {
    one: "• {count} compteur de limite d'envoi",
    many: "• {count} compteurs de limite d'envoi",
    other: "• {count} compteurs de limite d'envoi",
  },
  "erasure.reminders": { one: "• {count} rappel", many: "• {count} rappels", other: "• {count} rappels" },
  "erasure.region": "• votre choix de région",
  "erasure.noRegion": "• aucun choix de région (aucun n'était enregistré)",
  "erasure.afresh": "Si vous m'écrivez à nouveau, nous repartirons de zéro.",

  slowDown:
    "Vous envoyez des messages plus vite que je ne peux y répondre. Veuillez patienter un instant, puis réessayer.",
  textOnly: "Je ne peux lire que du texte. Veuillez écrire votre question sous forme de message.",
  attachmentNote: "(Je ne peux lire que le texte envoyé avec la pièce jointe, pas la pièce jointe elle-même.)",
  tooLong:
    "Votre message est trop long pour que je le lise d'un coup. Veuillez le réduire à l'essentiel (votre question, un " +
    "numéro de commande) et me le renvoyer.",
  "model.unavailable": "Désolé, je ne peux pas répondre pour le moment. Veuillez réessayer plus tard.",
  "model.timeout":
    "Désolé, cela m'a pris trop de temps. Veuillez réessayer, éventuellement avec une question plus courte.",
  "faq.otherLanguage": "(Cette réponse n'est disponible qu'en {language}.)",
  limitedMode: "(L'assistant fonctionne en mode limité : cette réponse provient de notre FAQ.)",
  "capacity.busyNote":
    "Je réponds à beaucoup de questions en ce moment. Votre réponse est en route : je vous l'envoie dès que possible.",
  "capacity.faqNote":
    "(Une réponse rapide tirée de notre FAQ pendant que je suis occupé ; une réponse plus complète suit sous peu.)",

  "webchat.tooManyFrames": "trop de trames ; patientez un instant",
  "webchat.notText": "les trames doivent être du texte JSON",
  "webchat.tooLarge": "une trame fait au plus {bytes} octets",
  "webchat.busy": "je réponds encore à vos messages précédents ; patientez un instant",
  "webchat.networkLimited": "trop de messages depuis ce réseau ; patientez une minute",
  "webchat.rateLimited": "trop de messages ; patientez un instant",
  "webchat.unavailable": "l'assistant est indisponible ; réessayez dans un instant",
  "webchat.queued":
    "tous les assistants sont occupés ; votre message est en file d'attente et recevra bientôt une réponse",
  "webchat.reload": "Cette page n'est plus à jour. Veuillez la recharger pour continuer la conversation.",
  "webchat.page.title": "Assistant virtuel",
  "webchat.page.empty":
    "Posez toutes vos questions : commandes, livraisons, retours. Tapez /reset pour recommencer à zéro.",
  "webchat.page.placeholder": "Écrivez un message…",
  "webchat.page.message": "Votre message",
  "webchat.page.send": "Envoyer",
  "webchat.page.connecting": "Connexion…",
  "webchat.page.reconnecting": "Reconnexion…",
  "webchat.page.online": "En ligne",
  "webchat.page.offline": "Hors ligne, nouvel essai dans {seconds} s",
  "webchat.page.typing": "L'assistant est en train d'écrire",
  "webchat.page.rate": "Évaluer cette réponse",
  "webchat.page.good": "Bonne réponse",
  "webchat.page.bad": "Mauvaise réponse",
  "webchat.page.failed": "Une erreur s'est produite.",
  "webchat.page.tooLong":
    "Ce message est trop long pour être envoyé ({count} caractères ; {max} au maximum). Veuillez le raccourcir.",
};

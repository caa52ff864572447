import type { Translation } from "./en.js";

/** Italian. Texts not given here are said in English (en.ts). */
export const it: Translation = {
  start:
    "Ciao! Sono l'assistente di questo servizio. Chiedimi quello che vuoi, con parole tue.\n\n" +
    "/help mostra cosa posso fare, /reset avvia una nuova conversazione.",
  "help.intro":
    "Scrivimi come scriveresti a una persona e ti risponderò. Ricordo la conversazione recente, " +
    "quindi puoi farmi altre domande sullo stesso argomento.",
  "help.reset": "/reset dimentica questa conversazione e ricomincia da capo",
  "help.forget": "/forget cancella tutto ciò che è conservato su di te",
  "help.region": "/region mostra dove è conservata la tua conversazione",
  "help.reminders": "/reminders elenca i tuoi promemoria (chiedimi di ricordarti qualcosa)",
  "help.help": "/help mostra questo messaggio",
  "help.groups":
    "In un gruppo rispondo quando mi menzioni, rispondi a uno dei miei messaggi o invii un comando. " +
    "Un amministratore del gruppo può farmi rispondere a ogni messaggio con /answer all (e tornare indietro con /answer mentions).",

  "reset.done": "Fatto: ho dimenticato questa conversazione. Di cosa vuoi parlare?",

  "answer.all": "Da ora rispondo a ogni messaggio in questa chat.",
  "answer.mentions":
    "Da ora qui rispondo solo quando mi menzioni, rispondi a uno dei miei messaggi o invii un comando.",
  "answer.usage":
    "Invia /answer all per farmi rispondere a ogni messaggio qui, oppure /answer mentions per farmi rispondere solo quando qualcuno si rivolge a me.",
  "answer.adminsOnly": "Solo un amministratore di questo gruppo può cambiare quando rispondo.",
  "answer.private": "In una chat privata rispondo a ogni messaggio; /answer serve per i gruppi.",

  "reminders.unavailable": "I promemoria non sono disponibili in questa chat.",
  "reminders.none": "Non hai promemoria. Chiedimi di ricordarti qualcosa, indicando data e ora.",
  "reminders.list": "I tuoi promemoria:",
  "reminders.due": "⏰ Promemoria: {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "La tua conversazione è conservata nella regione {region}. Su questo canale la regione dipende dal paese del tuo numero di telefono e non può essere cambiata.",
  "region.fixedByCountry":
    "La tua conversazione è conservata nella regione {region}. Su questo canale la regione dipende dal paese da cui hai iniziato la conversazione e non può essere cambiata.",
  "region.group":
    "La conversazione di questo gruppo è conservata ed elaborata nella regione {region}. La regione di un gruppo non può essere cambiata; in una chat privata con me, puoi spostare la tua con /region.",
  "region.current": "La tua conversazione è conservata ed elaborata nella regione {region}.",
  "region.howToMove":
    "Per spostarla, invia /region seguito da una di queste regioni: {regions}. Lo spostamento cancella ciò che è conservato qui.",
  "region.cannotMove": "Non può essere spostata.",
  "region.already": "La tua conversazione è già conservata nella regione {region}.",
  "region.notSelectable": "«{target}» non è una regione che puoi scegliere. Scegline una tra: {regions}.",
  "region.moved": {
    one: "Fatto: da ora la tua conversazione è conservata ed elaborata nella regione {region}. È stato cancellato {count} messaggio conservato nella regione {from}.",
    many: "Fatto: da ora la tua conversazione è conservata ed elaborata nella regione {region}. Sono stati cancellati {count} messaggi conservati nella regione {from}.",
    other:
      "Fatto: da ora la tua conversazione è conservata ed elaborata nella regione {region}. Sono stati cancellati {count} messaggi conservati nella regione {from}.",
  },

  "erasure.done": "Fatto. Ho cancellato tutto ciò che conservavo su di te:",
  "erasure.messages": {
    one: "• {count} messaggio della nostra conversazione",
    many: "• {count} messaggi della nostra conversazione",
    other: "• {count} messaggi della nostra conversazione",
  },
  "erasure.summary": "• il riepilogo della nostra conversazione precedente",
  "erasure.replies": {
    one: "• {count} risposta salvata",
    many: "• {count} risposte salvate",
    other: "• {count} risposte salvate",
  },
  "erasure.rateLimits": {
    one: "• {count} contatore del limite di invio",
    many: "• {count} contatori del limite di invio",
    other: "• {count} contatori del limite di invio",
  },
  "erasure.reminders": { one: "• {count} promemoria", many: "• {count} promemoria", other: "• {count} promemoria" },
  "erasure.region": "• la tua impostazione della regione",
  "erasure.noRegion": "• nessuna impostazione della regione (non ne era salvata nessuna)",
  "erasure.afresh": "Se mi scrivi di nuovo, ricominciamo da capo.",

  slowDown: "Stai inviando messaggi più velocemente di quanto riesca a rispondere. Aspetta un momento e riprova.",
  textOnly: "Posso leggere solo testo. Scrivi la tua domanda in un messaggio.",
  attachmentNote: "(Posso leggere solo il testo che hai inviato insieme all'allegato, non l'allegato stesso.)",
  tooLong:
    "Il tuo messaggio è troppo lungo per leggerlo tutto in una volta. Accorcialo all'essenziale (la tua domanda, un " +
    "numero d'ordine) e invialo di nuovo.",
  "model.unavailable": "Mi dispiace, al momento non posso rispondere. Riprova più tardi.",
  "model.timeout": "Mi dispiace, ci ho messo troppo. Riprova, magari con una domanda più breve.",
  "faq.otherLanguage": "(Questa risposta è disponibile solo in {language}.)",
  limitedMode: "(L'assistente è in modalità limitata: questa risposta viene dalle nostre FAQ.)",
  "capacity.busyNote":
    "Sto rispondendo a molte domande in questo momento. La tua risposta è in arrivo: te la invio appena posso.",
  "capacity.faqNote":
    "(Una risposta rapida dalle nostre FAQ mentre sono occupato; a breve arriva una risposta più completa.)",

  "webchat.tooManyFrames": "troppi frame; attendi un momento",
  "webchat.notText": "i frame devono essere testo JSON",
  "webchat.tooLarge": "i frame possono essere al massimo di {bytes} byte",
  "webchat.busy": "sto ancora rispondendo ai tuoi messaggi precedenti; attendi un momento",
  "webchat.networkLimited": "troppi messaggi da questa rete; attendi un minuto",
  "webchat.rateLimited": "troppi messaggi; attendi un momento",
  "webchat.unavailable": "l'assistente non è disponibile; riprova tra poco",
  "webchat.queued": "tutti gli assistenti sono occupati; il tuo messaggio è in coda e riceverà presto una risposta",
  "webchat.reload": "Questa pagina non è aggiornata. Ricaricala per continuare a chattare.",
  "webchat.page.title": "Assistente",
  "webchat.page.empty": "Chiedi pure quello che vuoi: ordini, consegne, resi. Scrivi /reset per ricominciare da capo.",
  "webchat.page.placeholder": "Scrivi un messaggio…",
  "webchat.page.message": "Messaggio",
  "webchat.page.send": "Invia",
  "webchat.page.connecting": "Connessione in corso…",
  "webchat.page.reconnecting": "Riconnessione in corso…",
  "webchat.page.online": "Connesso",
  "webchat.page.offline": "Non connesso, nuovo tentativo tra {seconds} s",
  "webchat.page.typing": "L'assistente sta scrivendo",
  "webchat.page.rate": "Valuta questa risposta",
  "webchat.page.good": "Risposta utile",
  "webchat.page.bad": "Risposta non utile",
  "webchat.page.failed": "Qualcosa è andato storto.",
  "webchat.page.tooLong":
    "Questo messaggio è troppo lungo per essere inviato ({count} caratteri; al massimo {max}). Accorcialo, per favore.",
};

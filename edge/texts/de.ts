import type { Translation } from "./en.js";

/** German. Texts not given here are said in English (en.ts). */
export const de: Translation = {
  start:
    "Hallo! Ich bin der Assistent dieses Dienstes. Fragen Sie mich einfach, was Sie wissen möchten – ganz in Ihren eigenen Worten.\n\n" +
    "/help zeigt, was ich kann, /reset beginnt eine neue Unterhaltung.",
  "help.intro":
    "Schreiben Sie mir so, wie Sie einem Menschen schreiben würden, und ich antworte. Ich behalte unsere letzten Nachrichten " +
    "im Blick, Sie können also gern nachfragen.",
  "help.reset": "/reset vergisst diese Unterhaltung und beginnt von vorn",
  "help.forget": "/forget löscht alles, was über Sie gespeichert ist",
  "help.region": "/region zeigt, wo Ihre Unterhaltung gespeichert ist",
  "help.reminders": "/reminders listet Ihre Erinnerungen auf (bitten Sie mich einfach, Sie an etwas zu erinnern)",
  "help.help": "/help zeigt diese Nachricht",
  "help.groups":
    "In einer Gruppe antworte ich, wenn Sie mich erwähnen, auf eine meiner Nachrichten antworten oder einen Befehl senden. " +
    "Ein Gruppenadmin kann mit /answer all einstellen, dass ich auf jede Nachricht antworte (und das mit /answer mentions wieder beenden).",

  "reset.done": "Erledigt: Ich habe diese Unterhaltung vergessen. Worüber möchten Sie sprechen?",

  "answer.all": "Ab jetzt antworte ich in diesem Chat auf jede Nachricht.",
  "answer.mentions":
    "Ab jetzt antworte ich hier nur noch, wenn Sie mich erwähnen, auf eine meiner Nachrichten antworten oder einen Befehl senden.",
  "answer.usage":
    "Senden Sie /answer all, damit ich hier auf jede Nachricht antworte, oder /answer mentions, damit ich nur antworte, wenn ich angesprochen werde.",
  "answer.adminsOnly": "Nur Admins dieser Gruppe können festlegen, wann ich antworte.",
  "answer.private": "In einem privaten Chat antworte ich auf jede Nachricht; /answer ist für Gruppen gedacht.",

  "reminders.unavailable": "In diesem Chat sind Erinnerungen nicht verfügbar.",
  "reminders.none":
    "Sie haben keine Erinnerungen. Bitten Sie mich einfach, Sie an etwas zu erinnern – mit Datum und Uhrzeit.",
  "reminders.list": "Ihre Erinnerungen:",
  "reminders.due": "⏰ Erinnerung: {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "Ihre Unterhaltung wird in der Region {region} gespeichert. Auf diesem Kanal richtet sich die Region nach dem Land Ihrer Telefonnummer und kann nicht geändert werden.",
  "region.fixedByCountry":
    "Ihre Unterhaltung wird in der Region {region} gespeichert. Auf diesem Kanal richtet sich die Region nach dem Land, in dem Sie den Chat begonnen haben, und kann nicht geändert werden.",
  "region.group":
    "Die Unterhaltung dieser Gruppe wird in der Region {region} gespeichert und beantwortet. Die Region einer Gruppe lässt sich nicht ändern; in einem privaten Chat mit mir können Sie Ihre eigene mit /region wechseln.",
  "region.current": "Ihre Unterhaltung wird in der Region {region} gespeichert und beantwortet.",
  "region.howToMove":
    "Zum Wechseln senden Sie /region, gefolgt von einer dieser Regionen: {regions}. Dabei wird gelöscht, was hier gespeichert ist.",
  "region.cannotMove": "Ein Wechsel in eine andere Region ist nicht möglich.",
  "region.already": "Ihre Unterhaltung wird bereits in der Region {region} gespeichert.",
  "region.notSelectable":
    "„{target}“ ist keine Region, die Sie wählen können. Wählen Sie eine dieser Regionen: {regions}.",
  "region.moved": {
    one: "Erledigt: Ab jetzt wird Ihre Unterhaltung in der Region {region} gespeichert und beantwortet. {count} Nachricht aus der Region {from} wurde gelöscht.",
    other:
      "Erledigt: Ab jetzt wird Ihre Unterhaltung in der Region {region} gespeichert und beantwortet. {count} Nachrichten aus der Region {from} wurden gelöscht.",
  },

  "erasure.done": "Erledigt. Ich habe alles gelöscht, was ich über Sie gespeichert hatte:",
  "erasure.messages": {
    one: "• {count} Nachricht aus unserer Unterhaltung",
    other: "• {count} Nachrichten aus unserer Unterhaltung",
  },
  "erasure.summary": "• die Zusammenfassung unserer früheren Unterhaltung",
  "erasure.replies": { one: "• {count} gespeicherte Antwort", other: "• {count} gespeicherte Antworten" },
  "erasure.rateLimits": { one: "• {count} Eintrag zum Sendelimit", other: "• {count} Einträge zum Sendelimit" },
  "erasure.reminders": { one: "• {count} Erinnerung", other: "• {count} Erinnerungen" },
  "erasure.region": "• Ihre Regionseinstellung",
  "erasure.noRegion": "• keine Regionseinstellung (es war keine gespeichert)",
  "erasure.afresh": "Wenn Sie mir wieder schreiben, fangen wir von vorn an.",

  slowDown:
    "Sie senden Nachrichten schneller, als ich antworten kann. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.",
  textOnly: "Ich kann nur Text lesen. Bitte schreiben Sie Ihre Frage als Nachricht.",
  attachmentNote: "(Ich kann nur den Text lesen, den Sie mitgeschickt haben, nicht den Anhang selbst.)",
  tooLong:
    "Ihre Nachricht ist zu lang, um sie auf einmal zu lesen. Bitte kürzen Sie sie auf das Wesentliche (Ihre Frage, eine " +
    "Bestellnummer) und senden Sie sie noch einmal.",
  "model.unavailable": "Das kann ich gerade leider nicht beantworten. Bitte versuchen Sie es später noch einmal.",
  "model.timeout":
    "Das hat leider zu lange gedauert. Bitte versuchen Sie es noch einmal, vielleicht mit einer kürzeren Frage.",
  "faq.otherLanguage": "(Diese Antwort gibt es nur auf {language}.)",
  limitedMode: "(Der Assistent ist gerade eingeschränkt verfügbar: Diese Antwort stammt aus unseren FAQ.)",
  "capacity.busyNote":
    "Ich beantworte gerade sehr viele Fragen. Ihre Antwort ist unterwegs: Ich schicke sie, sobald ich kann.",
  "capacity.faqNote":
    "(Eine schnelle Antwort aus unseren FAQ, solange ich ausgelastet bin; eine ausführlichere folgt in Kürze.)",

  "webchat.tooManyFrames": "zu viele Frames; bitte einen Moment warten",
  "webchat.notText": "Frames müssen JSON-Text sein",
  "webchat.tooLarge": "Frames dürfen höchstens {bytes} Bytes groß sein",
  "webchat.busy": "Ihre vorherigen Nachrichten werden noch beantwortet; bitte einen Moment warten",
  "webchat.networkLimited": "zu viele Nachrichten aus diesem Netzwerk; bitte eine Minute warten",
  "webchat.rateLimited": "zu viele Nachrichten; bitte einen Moment warten",
  "webchat.unavailable": "der Assistent ist nicht verfügbar; bitte gleich noch einmal versuchen",
  "webchat.queued":
    "alle Assistenten sind beschäftigt; Ihre Nachricht steht in der Warteschlange und wird in Kürze beantwortet",
  "webchat.reload": "Diese Seite ist veraltet. Bitte laden Sie sie neu, um weiterzuchatten.",
  "webchat.page.title": "Assistent",
  "webchat.page.empty":
    "Fragen Sie, was Sie möchten: zu Bestellungen, Lieferungen oder Rücksendungen. Mit /reset beginnen Sie von vorn.",
  "webchat.page.placeholder": "Schreiben Sie eine Nachricht …",
  "webchat.page.message": "Nachricht",
  "webchat.page.send": "Senden",
  "webchat.page.connecting": "Verbindung wird hergestellt …",
  "webchat.page.reconnecting": "Verbindung wird wiederhergestellt …",
  "webchat.page.online": "Verbunden",
  "webchat.page.offline": "Keine Verbindung – neuer Versuch in {seconds} s",
  "webchat.page.typing": "Der Assistent schreibt",
  "webchat.page.rate": "Diese Antwort bewerten",
  "webchat.page.good": "Gute Antwort",
  "webchat.page.bad": "Schlechte Antwort",
  "webchat.page.failed": "Da ist etwas schiefgelaufen.",
  "webchat.page.tooLong":
    "Diese Nachricht ist zu lang zum Senden ({count} Zeichen; höchstens {max}). Bitte kürzen Sie sie.",
};

import type { Translation } from "./en.js";

/**
 * Portuguese. Texts not given here are said in English (en.ts). Written to read well in Portugal and in
 * Brazil. Its `one` forms serve 0 as well as 1 (Intl.PluralRules("pt")), so those that can count 0 put
 * the number after the noun.
 */
export const pt: Translation = {
  start:
    "Olá! Sou o assistente deste serviço. Pergunte o que quiser, com as suas próprias palavras.\n\n" +
    "/help mostra o que posso fazer e /reset inicia uma nova conversa.",
  "help.intro":
    "Escreva como escreveria a uma pessoa e eu respondo. Guardo na memória a conversa recente, " +
    "por isso pode fazer mais perguntas sobre o mesmo assunto.",
  "help.reset": "/reset esquece esta conversa e recomeça do zero",
  "help.forget": "/forget apaga tudo o que está guardado a seu respeito",
  "help.region": "/region mostra onde a sua conversa está guardada",
  "help.reminders": "/reminders lista os seus lembretes (para criar um, é só pedir)",
  "help.help": "/help mostra esta mensagem",
  "help.groups":
    "Em grupos, respondo quando me menciona, responde a uma das minhas mensagens ou envia um comando. " +
    "Um administrador do grupo pode fazer com que eu responda a todas as mensagens com /answer all (e voltar atrás com /answer mentions).",

  "reset.done": "Pronto: esqueci esta conversa. Sobre o que gostaria de falar?",

  "answer.all": "A partir de agora, respondo a todas as mensagens desta conversa.",
  "answer.mentions":
    "A partir de agora, só respondo aqui quando me menciona, responde a uma das minhas mensagens ou envia um comando.",
  "answer.usage":
    "Envie /answer all para eu responder a todas as mensagens aqui, ou /answer mentions para eu responder só quando falarem comigo.",
  "answer.adminsOnly": "Só um administrador deste grupo pode mudar quando eu respondo.",
  "answer.private": "Em conversas privadas, respondo a todas as mensagens; /answer é para grupos.",

  "reminders.unavailable": "Os lembretes não estão disponíveis nesta conversa.",
  "reminders.none": "Ainda não tem lembretes. Para criar um, é só pedir, com a data e a hora.",
  "reminders.list": "Os seus lembretes:",
  "reminders.due": "⏰ Lembrete: {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "A sua conversa está guardada na região {region}. Neste canal, a região depende do país do seu número de telefone e não pode ser alterada.",
  "region.fixedByCountry":
    "A sua conversa está guardada na região {region}. Neste canal, a região depende do país onde iniciou a conversa e não pode ser alterada.",
  "region.group":
    "A conversa deste grupo é guardada e processada na região {region}. A região de um grupo não pode ser alterada; numa conversa privada comigo, pode mudar a sua com /region.",
  "region.current": "A sua conversa é guardada e processada na região {region}.",
  "region.howToMove":
    "Para mudá-la, envie /region seguido de uma destas regiões: {regions}. A mudança apaga o que está guardado aqui.",
  "region.cannotMove": "Não é possível mudá-la.",
  "region.already": "A sua conversa já está guardada na região {region}.",
  "region.notSelectable": '"{target}" não é uma região que possa escolher. Escolha uma destas: {regions}.',
  "region.moved": {
    one: "Pronto: a partir de agora, a sua conversa é guardada e processada na região {region}. Mensagens apagadas da região {from}: {count}.",
    many: "Pronto: a partir de agora, a sua conversa é guardada e processada na região {region}. Foram apagadas {count} mensagens guardadas na região {from}.",
    other:
      "Pronto: a partir de agora, a sua conversa é guardada e processada na região {region}. Foram apagadas {count} mensagens guardadas na região {from}.",
  },

  "erasure.done": "Pronto. Apaguei tudo o que tinha guardado a seu respeito:",
  "erasure.messages": {
    one: "• mensagens da nossa conversa: {count}",
    many: "• {count} mensagens da nossa conversa",
    other: "• {count} mensagens da nossa conversa",
  },
  "erasure.summary": "• o resumo da nossa conversa anterior",
  "erasure.replies": {
    one: "• {count} resposta guardada",
    many: "• {count} respostas guardadas",
    other: "• {count} respostas guardadas",
  },
  "erasure.rateLimits": {
    one: "• {count} contador do limite de envio",
    many: "• {count} contadores do limite de envio",
    other: "• {count} contadores do limite de envio",
  },
  "erasure.reminders": { one: "• {count} lembrete", many: "• {count} lembretes", other: "• {count} lembretes" },
  "erasure.region": "• a sua escolha de região",
  "erasure.noRegion": "• nenhuma escolha de região (não havia nenhuma guardada)",
  "erasure.afresh": "Se voltar a escrever, começamos do zero.",

  slowDown: "As suas mensagens chegam mais depressa do que consigo responder. Aguarde um momento e tente novamente.",
  textOnly: "Só consigo ler texto. Por favor, escreva a sua pergunta numa mensagem.",
  attachmentNote: "(Só consigo ler o texto que enviou com o anexo, não o anexo em si.)",
  tooLong:
    "A sua mensagem é longa demais para eu a ler de uma vez. Por favor, reduza-a ao essencial (a sua pergunta, um " +
    "número de encomenda) e envie-a novamente.",
  "model.unavailable": "Desculpe, não consigo responder agora. Por favor, tente mais tarde.",
  "model.timeout": "Desculpe, demorei demais. Tente novamente, talvez com uma pergunta mais curta.",
  "faq.otherLanguage": "(Esta resposta só está disponível em {language}.)",
  limitedMode: "(O assistente está em modo limitado: esta resposta vem das nossas perguntas frequentes.)",
  "capacity.busyNote":
    "Tenho muitas perguntas para responder neste momento. A sua resposta já vem a caminho e chega assim que possível.",
  "capacity.faqNote":
    "(Uma resposta rápida das nossas perguntas frequentes enquanto estou ocupado; em breve segue uma resposta mais completa.)",

  "webchat.tooManyFrames": "frames em excesso; aguarde um momento",
  "webchat.notText": "os frames devem ser texto JSON",
  "webchat.tooLarge": "cada frame tem no máximo {bytes} bytes",
  "webchat.busy": "ainda não terminei de responder às suas mensagens anteriores; aguarde um momento",
  "webchat.networkLimited": "mensagens em excesso a partir desta rede; aguarde um minuto",
  "webchat.rateLimited": "mensagens em excesso; aguarde um momento",
  "webchat.unavailable": "o assistente não está disponível; tente novamente daqui a pouco",
  "webchat.queued": "todos os assistentes estão ocupados; a sua mensagem está na fila e será respondida em breve",
  "webchat.reload": "Esta página está desatualizada. Recarregue-a para continuar a conversa.",
  "webchat.page.title": "Assistente",
  "webchat.page.empty":
    "Pergunte o que quiser: encomendas, entregas, devoluções. Escreva /reset para recomeçar do zero.",
  "webchat.page.placeholder": "Escreva uma mensagem…",
  "webchat.page.message": "Mensagem",
  "webchat.page.send": "Enviar",
  "webchat.page.connecting": "Conexão em curso…",
  "webchat.page.reconnecting": "Nova tentativa de conexão…",
  "webchat.page.online": "Conectado",
  "webchat.page.offline": "Sem conexão; nova tentativa dentro de {seconds} s",
  "webchat.page.typing": "Resposta do assistente em preparação",
  "webchat.page.rate": "Avalie esta resposta",
  "webchat.page.good": "Resposta útil",
  "webchat.page.bad": "Resposta pouco útil",
  "webchat.page.failed": "Ocorreu um erro.",
  "webchat.page.tooLong":
    "Esta mensagem é longa demais para ser enviada ({count} caracteres; no máximo {max}). Por favor, encurte-a.",
};

import type { Translation } from "./en.js";

/** Korean. Texts not given here are said in English (en.ts). */
export const ko: Translation = {
  start:
    "안녕하세요! 이 서비스의 어시스턴트입니다. 궁금한 점을 평소 쓰시는 말로 편하게 물어보세요.\n\n" +
    "/help 명령어로 제가 할 수 있는 일을 확인하고, /reset 명령어로 새 대화를 시작할 수 있습니다.",
  "help.intro": "사람에게 말하듯 편하게 보내 주시면 답변해 드립니다. 최근 대화를 기억하므로 이어서 질문하셔도 됩니다.",
  "help.reset": "/reset: 이 대화를 잊고 새로 시작합니다",
  "help.forget": "/forget: 고객님에 관해 저장된 정보를 모두 삭제합니다",
  "help.region": "/region: 대화가 저장되는 지역을 표시합니다",
  "help.reminders": "/reminders: 리마인더 목록을 표시합니다(알림이 필요한 일이 있으면 말씀해 주세요)",
  "help.help": "/help: 이 메시지를 표시합니다",
  "help.groups":
    "그룹에서는 저를 멘션하시거나, 제 메시지에 답장하시거나, 명령어를 보내시면 답변합니다. " +
    "그룹 관리자는 /answer all 명령어로 모든 메시지에 답변하도록 설정할 수 있습니다(/answer mentions 명령어로 되돌릴 수 있습니다).",

  "reset.done": "완료되었습니다. 이 대화를 잊었습니다. 어떤 이야기를 나눠 볼까요?",

  "answer.all": "이제부터 이 채팅의 모든 메시지에 답변합니다.",
  "answer.mentions": "이제부터 여기서는 저를 멘션하시거나, 제 메시지에 답장하시거나, 명령어를 보내실 때만 답변합니다.",
  "answer.usage":
    "여기서 모든 메시지에 답변하게 하려면 /answer all을, 저를 부를 때만 답변하게 하려면 /answer mentions를 보내 주세요.",
  "answer.adminsOnly": "제가 언제 답변할지는 이 그룹의 관리자만 변경할 수 있습니다.",
  "answer.private": "개인 채팅에서는 모든 메시지에 답변합니다. /answer 명령어는 그룹용입니다.",

  "reminders.unavailable": "이 채팅에서는 리마인더를 사용할 수 없습니다.",
  "reminders.none": "등록된 리마인더가 없습니다. 날짜와 시간을 함께 말씀해 주시면 잊지 않도록 알려 드립니다.",
  "reminders.list": "리마인더 목록:",
  "reminders.due": "⏰ 리마인더: {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "대화는 {region} 지역에 저장됩니다. 이 채널에서는 전화번호의 국가에 따라 지역이 정해지며 변경할 수 없습니다.",
  "region.fixedByCountry":
    "대화는 {region} 지역에 저장됩니다. 이 채널에서는 대화를 시작한 국가에 따라 지역이 정해지며 변경할 수 없습니다.",
  "region.group":
    "이 그룹의 대화는 {region} 지역에서 저장되고 처리됩니다. 그룹의 지역은 변경할 수 없습니다. 저와의 개인 채팅에서는 /region 명령어로 고객님의 대화 지역을 옮길 수 있습니다.",
  "region.current": "대화는 {region} 지역에서 저장되고 처리됩니다.",
  "region.howToMove":
    "옮기려면 /region 다음에 이 중 하나를 입력해 보내 주세요: {regions}. 옮기면 여기에 저장된 내용은 삭제됩니다.",
  "region.cannotMove": "대화 지역은 옮길 수 없습니다.",
  "region.already": "대화는 이미 {region} 지역에 저장되어 있습니다.",
  "region.notSelectable": "'{target}' 지역은 선택할 수 없습니다. 다음 중에서 선택해 주세요: {regions}.",
  "region.moved": {
    other:
      "완료되었습니다. 이제부터 대화는 {region} 지역에서 저장되고 처리됩니다. {from} 지역에 저장되어 있던 메시지 {count}개를 삭제했습니다.",
  },

  "erasure.done": "완료되었습니다. 고객님에 관해 저장하고 있던 정보를 모두 삭제했습니다:",
  "erasure.messages": { other: "• 대화 메시지 {count}개" },
  "erasure.summary": "• 이전 대화의 요약",
  "erasure.replies": { other: "• 저장된 답변 {count}개" },
  "erasure.rateLimits": { other: "• 전송 제한 기록 {count}건" },
  "erasure.reminders": { other: "• 리마인더 {count}개" },
  "erasure.region": "• 지역 설정",
  "erasure.noRegion": "• 지역 설정 없음(저장된 설정이 없었습니다)",
  "erasure.afresh": "다시 메시지를 보내 주시면 새로 시작합니다.",

  slowDown: "제가 답변할 수 있는 속도보다 빠르게 메시지를 보내고 계십니다. 잠시 기다렸다가 다시 시도해 주세요.",
  textOnly: "텍스트만 읽을 수 있습니다. 질문을 메시지로 입력해 주세요.",
  attachmentNote: "(함께 보내신 텍스트만 읽을 수 있으며, 첨부 파일 자체는 읽을 수 없습니다.)",
  tooLong:
    "메시지가 너무 길어서 한 번에 읽을 수 없습니다. 중요한 내용(질문, 주문 번호 등)만 남기고 줄여서 다시 보내 주세요.",
  "model.unavailable": "죄송합니다. 지금은 답변할 수 없습니다. 잠시 후 다시 시도해 주세요.",
  "model.timeout": "죄송합니다. 답변이 너무 오래 걸렸습니다. 질문을 조금 짧게 줄여서 다시 시도해 주세요.",
  "faq.otherLanguage": "(이 답변은 {language}로만 제공됩니다.)",
  limitedMode: "(현재 어시스턴트가 제한 모드입니다. 이 답변은 자주 묻는 질문에서 가져왔습니다.)",
  "capacity.busyNote": "지금 많은 질문에 답변하고 있습니다. 답변을 준비 중이며, 최대한 빨리 보내 드리겠습니다.",
  "capacity.faqNote":
    "(요청이 많아 자주 묻는 질문에서 먼저 간단히 답변드립니다. 곧 더 자세한 답변을 보내 드리겠습니다.)",

  "webchat.tooManyFrames": "프레임이 너무 많습니다. 잠시 기다려 주세요",
  "webchat.notText": "프레임은 JSON 텍스트여야 합니다",
  "webchat.tooLarge": "프레임은 최대 {bytes}바이트까지 가능합니다",
  "webchat.busy": "이전 메시지에 아직 답변하는 중입니다. 잠시 기다려 주세요",
  "webchat.networkLimited": "이 네트워크에서 보낸 메시지가 너무 많습니다. 1분 후에 다시 시도해 주세요",
  "webchat.rateLimited": "메시지가 너무 많습니다. 잠시 기다려 주세요",
  "webchat.unavailable": "어시스턴트를 사용할 수 없습니다. 잠시 후 다시 시도해 주세요",
  "webchat.queued": "모든 어시스턴트가 응답 중입니다. 메시지가 대기열에 추가되었으며 곧 답변해 드리겠습니다",
  "webchat.reload": "이 페이지는 최신 버전이 아닙니다. 채팅을 계속하려면 페이지를 새로 고침하세요.",
  "webchat.page.title": "어시스턴트",
  "webchat.page.empty": "주문, 배송, 반품 등 무엇이든 물어보세요. 처음부터 다시 시작하려면 /reset을 입력해 주세요.",
  "webchat.page.placeholder": "메시지를 입력하세요…",
  "webchat.page.message": "메시지",
  "webchat.page.send": "보내기",
  "webchat.page.connecting": "연결하는 중입니다…",
  "webchat.page.reconnecting": "다시 연결하는 중입니다…",
  "webchat.page.online": "온라인",
  "webchat.page.offline": "오프라인입니다. {seconds}초 후에 다시 연결합니다",
  "webchat.page.typing": "어시스턴트가 답변을 입력하고 있습니다",
  "webchat.page.rate": "이 답변 평가하기",
  "webchat.page.good": "좋은 답변",
  "webchat.page.bad": "아쉬운 답변",
  "webchat.page.failed": "문제가 발생했습니다.",
  "webchat.page.tooLong": "메시지가 너무 길어서 보낼 수 없습니다({count}자, 최대 {max}자). 내용을 줄여 주세요.",
};

import type { Translation } from "./en.js";

/** Japanese. Texts not given here are said in English (en.ts). */
export const ja: Translation = {
  start:
    "こんにちは！このサービスのアシスタントです。ご質問があれば、普段の言葉でお気軽にどうぞ。\n\n" +
    "/help でできることを確認でき、/reset で新しい会話を始められます。",
  "help.intro":
    "人に話しかけるように書いていただければ、お答えします。直前の会話を覚えているので、" +
    "続けて質問していただいても大丈夫です。",
  "help.reset": "/reset でこの会話を忘れ、最初からやり直します",
  "help.forget": "/forget でお客様について保存されている情報をすべて削除します",
  "help.region": "/region で会話の保存先の地域を表示します",
  "help.reminders": "/reminders でリマインダーの一覧を表示します（リマインダーの設定はメッセージでお気軽にどうぞ）",
  "help.help": "/help でこのメッセージを表示します",
  "help.groups":
    "グループでは、メンションされたとき、私のメッセージに返信されたとき、またはコマンドが送信されたときにお答えします。" +
    "グループの管理者は /answer all ですべてのメッセージに答えるよう設定でき、/answer mentions で元に戻せます。",

  "reset.done": "完了しました。この会話の内容は忘れました。何についてお話ししましょうか？",

  "answer.all": "今後は、このチャットのすべてのメッセージにお答えします。",
  "answer.mentions":
    "今後は、メンションされたとき、私のメッセージに返信されたとき、またはコマンドが送信されたときだけ、ここでお答えします。",
  "answer.usage":
    "ここですべてのメッセージに答えるようにするには /answer all を、話しかけられたときだけ答えるようにするには /answer mentions を送信してください。",
  "answer.adminsOnly": "私が返答するタイミングを変更できるのは、このグループの管理者だけです。",
  "answer.private": "個別チャットでは、すべてのメッセージにお答えします。/answer はグループ用のコマンドです。",

  "reminders.unavailable": "このチャットではリマインダーをご利用いただけません。",
  "reminders.none": "リマインダーはありません。日時を添えて、リマインドしてほしい内容をお知らせください。",
  "reminders.list": "リマインダー一覧：",
  "reminders.due": "⏰ リマインダー：{text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "会話は {region} で保存されています。このチャネルでは、保存先の地域はお使いの電話番号の国によって決まるため、変更できません。",
  "region.fixedByCountry":
    "会話は {region} で保存されています。このチャネルでは、保存先の地域は会話を始めた国によって決まるため、変更できません。",
  "region.group":
    "このグループの会話は {region} で保存・処理されています。グループの地域は変更できません。私との個別チャットでは、/region でご自身の会話の地域を移せます。",
  "region.current": "会話は {region} で保存・処理されています。",
  "region.howToMove":
    "移すには、/region に続けて次のいずれかを送信してください：{regions}。移すと、ここに保存されている内容は削除されます。",
  "region.cannotMove": "地域を移すことはできません。",
  "region.already": "会話はすでに {region} で保存されています。",
  "region.notSelectable": "「{target}」は選択できる地域ではありません。次のいずれかを選んでください：{regions}。",
  "region.moved": {
    other:
      "完了しました。今後、会話は {region} で保存・処理されます。{from} に保存されていたメッセージ {count} 件は削除されました。",
  },

  "erasure.done": "完了しました。お客様について保存していた情報をすべて削除しました：",
  "erasure.messages": { other: "• 会話のメッセージ {count} 件" },
  "erasure.summary": "• 以前の会話の要約",
  "erasure.replies": { other: "• 保存済みの返信 {count} 件" },
  "erasure.rateLimits": { other: "• 送信制限の記録 {count} 件" },
  "erasure.reminders": { other: "• リマインダー {count} 件" },
  "erasure.region": "• 地域の設定",
  "erasure.noRegion": "• 地域の設定（保存されていませんでした）",
  "erasure.afresh": "次にメッセージをいただいたときは、新しい会話として始めます。",

  slowDown: "お答えできる速さを超えてメッセージが届いています。少し待ってから、もう一度お試しください。",
  textOnly: "読み取れるのはテキストのみです。ご質問をメッセージで入力してください。",
  attachmentNote: "（読み取れるのは一緒に送信されたテキストのみで、添付ファイルそのものは読み取れません。）",
  tooLong:
    "メッセージが長すぎるため、一度に読み取れません。要点（ご質問や注文番号など）に絞って、もう一度送信してください。",
  "model.unavailable": "申し訳ありません。現在お答えできません。しばらくしてからもう一度お試しください。",
  "model.timeout": "申し訳ありません。時間がかかりすぎてしまいました。質問を短くするなどして、もう一度お試しください。",
  "faq.otherLanguage": "（この回答は{language}でのみご用意しています。）",
  limitedMode: "（現在アシスタントは機能制限モードです。この回答はよくある質問からのものです。）",
  "capacity.busyNote": "ただいま多くのご質問にお答えしています。回答は準備中ですので、できるだけ早くお送りします。",
  "capacity.faqNote":
    "（混み合っているため、まずはよくある質問から簡単にお答えします。詳しい回答はまもなくお送りします。）",

  "webchat.tooManyFrames": "フレームが多すぎます。しばらくお待ちください",
  "webchat.notText": "フレームは JSON テキストである必要があります",
  "webchat.tooLarge": "フレームは最大 {bytes} バイトです",
  "webchat.busy": "前のメッセージにまだ回答中です。しばらくお待ちください",
  "webchat.networkLimited": "このネットワークからのメッセージが多すぎます。1 分ほどお待ちください",
  "webchat.rateLimited": "メッセージが多すぎます。しばらくお待ちください",
  "webchat.unavailable": "アシスタントは現在ご利用いただけません。しばらくしてからもう一度お試しください",
  "webchat.queued": "すべてのアシスタントが対応中です。メッセージは順番待ちで、まもなくお答えします",
  "webchat.reload": "このページは古くなっています。チャットを続けるには、ページを再読み込みしてください。",
  "webchat.page.title": "アシスタント",
  "webchat.page.empty":
    "ご注文、配送、返品など、何でもお気軽にお尋ねください。最初からやり直すには /reset と入力してください。",
  "webchat.page.placeholder": "メッセージを入力…",
  "webchat.page.message": "メッセージ",
  "webchat.page.send": "送信",
  "webchat.page.connecting": "接続しています…",
  "webchat.page.reconnecting": "再接続しています…",
  "webchat.page.online": "オンライン",
  "webchat.page.offline": "オフラインです。{seconds} 秒後に再接続します",
  "webchat.page.typing": "アシスタントが入力しています",
  "webchat.page.rate": "この回答を評価",
  "webchat.page.good": "良い回答",
  "webchat.page.bad": "良くない回答",
  "webchat.page.failed": "問題が発生しました。",
  "webchat.page.tooLong":
    "このメッセージは長すぎるため送信できません（{count} 文字、上限は {max} 文字です）。短くしてください。",
};

/** Words that carry no topic. Kept short on purpose: a dropped word can never help a search. */
export const STOPWORDS: Record<string, readonly string[]> = {
  en: `a an the and or but if of to in on at by for with about from as into is are was were be been being am
    do does did doing have has had having i me my we our you your he she it its they them their this that these
    those what which who whom whose when where why how can could should would will shall may might must
    there here so than too very just also any some all no not yes ok okay please pls hi hello hey
    tell know want need get got give let much many more most other such only own same again then once ever
    up down out over under s t im dont doesnt cant isnt whats hows`.split(/\s+/),
  id: `yang dan di ke dari ini itu dengan untuk pada adalah atau juga tidak ya saya aku kamu anda kita kami dia
    mereka apa apakah bagaimana gimana kenapa mengapa berapa kapan dimana mana siapa bisa boleh harus akan sudah
    belum sedang lagi masih ada tak ga gak nggak sih dong deh kok nih tuh lah kah pun nya jika kalau kalo karena
    jadi agar supaya oleh sama seperti sangat banget hanya saja aja bila maka tapi tetapi namun mohon tolong
    halo hai pak bu mas mbak kak dok dokter min admin`.split(/\s+/),
  ms: `yang dan di ke dari ini itu dengan untuk pada ialah adalah atau juga tidak tak ya saya aku awak anda kita
    kami dia mereka apa apakah bagaimana macam mana kenapa mengapa berapa bila bilakah siapa boleh harus akan
    sudah belum sedang lagi masih ada jika kalau kerana jadi supaya oleh sama seperti sangat hanya saja tapi
    tetapi namun mohon tolong hai encik puan cik doktor`.split(/\s+/),
};

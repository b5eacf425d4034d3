import { createI18n } from 'vue-i18n'
// The catalogues are data (JSON); the type below keeps English key for key with Chinese.
import zh from './locales/zh-Hans.json'
import enMessages from './locales/en.json'

export type Lang = 'zh-Hans' | 'en'
type Messages = typeof zh
const en: Messages = enMessages

const saved = (typeof localStorage !== 'undefined' && localStorage.getItem('yd.lang')) as Lang | null

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-Hans',
  fallbackLocale: 'zh-Hans',
  messages: { 'zh-Hans': zh, en },
})

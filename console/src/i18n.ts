import { createI18n } from 'vue-i18n'
import zh from './locales/zh'
import en from './locales/en'

export type Lang = 'zh-Hans' | 'en'

const saved = (typeof localStorage !== 'undefined' && localStorage.getItem('yd.lang')) as Lang | null

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-Hans',
  fallbackLocale: 'zh-Hans',
  messages: { 'zh-Hans': zh, en },
})

import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { setSignedOutHandler } from './api/client'
import { auth } from './auth'
import './style.css'

document.documentElement.lang = i18n.global.locale.value
setSignedOutHandler(() => {
  auth.user = null
  if (router.currentRoute.value.name !== 'login') {
    router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
  }
})

createApp(App).use(i18n).use(router).mount('#app')

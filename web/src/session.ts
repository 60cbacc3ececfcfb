// The API key lives in sessionStorage only: gone when the tab closes, never in localStorage or a cookie.
const KEY = 'ocrlty.api_key';

export interface Me {
  key_id: string;
  role: 'client' | 'debugger' | 'admin';
  scopes: string[];
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(apiKey: string): void {
  sessionStorage.setItem(KEY, apiKey);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
}

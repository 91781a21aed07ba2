/** The app's jsonData (visible to every user of the org). The API token lives in secureJsonData.apiToken. */
export interface AppSettings {
  backendUrl?: string;
}

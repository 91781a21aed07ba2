import React, { createContext, useContext } from 'react';
import type { AppSettings } from '../../types';

export interface PluginSettingsValue {
  jsonData: AppSettings;
}

const PluginSettingsContext = createContext<PluginSettingsValue>({ jsonData: {} });

export function PluginSettingsProvider({ value, children }: { value: PluginSettingsValue; children: React.ReactNode }) {
  return <PluginSettingsContext.Provider value={value}>{children}</PluginSettingsContext.Provider>;
}

export function usePluginSettings(): PluginSettingsValue {
  return useContext(PluginSettingsContext);
}

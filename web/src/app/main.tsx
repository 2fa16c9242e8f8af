import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { LangProvider } from '../shared/i18n';
import { Messenger } from './Messenger';

const client = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false, retry: false } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <LangProvider>
        <Messenger />
      </LangProvider>
    </QueryClientProvider>
  </StrictMode>,
);

import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('starts on the demo sign-in page listing each demo person', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };
    window.localStorage.clear();

    render(<App />);

    expect(await screen.findByText('Sign in as alice')).toBeInTheDocument();
    expect(screen.getByText('Sign in as bob')).toBeInTheDocument();
    expect(screen.getByText('Sign in as carol')).toBeInTheDocument();
  });
});

import { ChatMessage } from './chat-message.entity';
import { ChatSession } from './chat-session.entity';
import { Document } from './document.entity';
import { User } from './user.entity';
import { Workspace } from './workspace.entity';

export { ChatMessage, ChatSession, Document, User, Workspace };

export const SAMPLE_ENTITIES = [Workspace, User, Document, ChatSession, ChatMessage];

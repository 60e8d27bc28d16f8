import { Controller, DefaultValuePipe, Get, NotFoundException, Param, ParseIntPipe, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ChatMessage, ChatSession } from '../entities';

@Controller('chat/sessions')
export class ChatController {
  constructor(
    @InjectRepository(ChatSession) private readonly sessions: Repository<ChatSession>,
    @InjectRepository(ChatMessage) private readonly messages: Repository<ChatMessage>,
  ) {}

  /** The chat sessions of a workspace, newest first. */
  @Get()
  list(
    @Query('workspaceId', new DefaultValuePipe(1), ParseIntPipe) workspaceId: number,
    @Query('limit', new DefaultValuePipe(20), ParseIntPipe) limit: number,
  ) {
    return this.sessions.find({ where: { workspaceId }, order: { id: 'DESC' }, take: Math.min(Math.max(limit, 1), 100) });
  }

  /** The messages of one session, in order. */
  @Get(':id/messages')
  async messagesOf(@Param('id', ParseIntPipe) id: number) {
    const session = await this.sessions.findOneBy({ id });
    if (!session) throw new NotFoundException(`chat session ${id} does not exist`);
    const messages = await this.messages.find({ where: { sessionId: id }, order: { id: 'ASC' } });
    return { session, messages };
  }
}

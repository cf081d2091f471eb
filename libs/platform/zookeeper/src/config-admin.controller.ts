import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Put } from '@nestjs/common';
import type { z } from 'zod';
import { ConfigCenter } from './recipes/config-center.recipe';

type AnyConfigCenter = ConfigCenter<z.ZodObject>;

/**
 * The service's own live config, for operators: read, write (validated by the
 * service's schema, so a bad value is a 400 naming the key and never reaches
 * ZooKeeper), history, rollback, gray release. Mounted by `ZookeeperModule`
 * on services that hold the writer's digest credentials, under `/internal`
 * (not routed by the gateway; the gateway's token-checked `/api/admin/config`
 * forwards here through discovery).
 */
@Controller('internal/config')
export class ConfigAdminController {
  constructor(@Inject(ConfigCenter) private readonly config: AnyConfigCenter) {}

  @Get()
  current() {
    return this.config.describe();
  }

  @Get(':key')
  one(@Param('key') key: string) {
    const d = this.config.describe();
    if (!d.keys.includes(key)) throw new NotFoundException(`unknown config key "${key}" of ${d.app}; keys: ${d.keys.join(', ')}`);
    return { key, value: (d.values as Record<string, unknown>)[key], path: `${d.path}/${key}` };
  }

  @Put(':key')
  @HttpCode(200)
  async set(@Param('key') key: string, @Body() body: { value?: unknown; author?: unknown }) {
    if (body === null || typeof body !== 'object' || !('value' in body))
      throw new BadRequestException('body must be {"value": <new value>}');
    await this.config.writer.set(key, body.value, typeof body.author === 'string' ? body.author : 'admin-api');
    return { key, value: body.value };
  }

  @Get(':key/history')
  async history(@Param('key') key: string) {
    return { key, history: await this.config.writer.history(key) };
  }

  @Post(':key/rollback')
  @HttpCode(200)
  async rollback(@Param('key') key: string, @Body() body: { seq?: unknown }) {
    if (typeof body?.seq !== 'number' || !Number.isInteger(body.seq))
      throw new BadRequestException('body must be {"seq": <history entry>}');
    return { key, value: await this.config.writer.rollback(key, body.seq, 'admin-api') };
  }

  @Put(':key/gray')
  @HttpCode(200)
  async gray(@Param('key') key: string, @Body() body: { value?: unknown; tags?: unknown }) {
    if (!Array.isArray(body?.tags) || !body.tags.every((t) => typeof t === 'string'))
      throw new BadRequestException('body must be {"value": ..., "tags": ["tag", ...]}');
    await this.config.writer.grayRelease(key, body.value, body.tags as string[], 'admin-api');
    return { key, value: body.value, tags: body.tags };
  }

  @Post(':key/gray/promote')
  @HttpCode(200)
  async promote(@Param('key') key: string) {
    await this.config.writer.promoteGray(key, 'admin-api');
    return { key, promoted: true };
  }

  @Delete(':key/gray')
  @HttpCode(204)
  async cancelGray(@Param('key') key: string): Promise<void> {
    await this.config.writer.cancelGray(key);
  }
}

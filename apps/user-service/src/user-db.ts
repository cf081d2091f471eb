/** The user-service's one logical database (vertical split: users alone on cluster 0). */
export const USER_DB = 'user_db';

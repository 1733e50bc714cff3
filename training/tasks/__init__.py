"""training/tasks"""
